// tinygltf's implementation, compiled into being_asset in fuzz builds only (see CMakeLists.txt).
#define TINYGLTF_IMPLEMENTATION
#include <tiny_gltf.h>
