# cmake -DSPIRV=<file.spv> -DHEADER=<out.h> -DIDENT=<name> -DSOURCE=<shader name> -P BeingEmbedSpirv.cmake
# Writes the SPIR-V words as a C++ array (see being_add_shaders in BeingShaders.cmake).
file(READ ${SPIRV} hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR remainder "${digits} % 8")
if(digits EQUAL 0 OR NOT remainder EQUAL 0)
  message(FATAL_ERROR "${SPIRV} is not SPIR-V: its size is not a positive multiple of 4 bytes")
endif()
# SPIR-V files are little-endian words.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," words "${hex}")
string(REGEX REPLACE "((0x........u,){8})" "\\1\n  " words "${words}")
file(WRITE ${HEADER}
  "// Generated from shaders/${SOURCE} by glslc and cmake/BeingEmbedSpirv.cmake; do not edit.\n"
  "#pragma once\n\n#include <cstdint>\n\nnamespace being::shaders {\n\n"
  "inline constexpr std::uint32_t ${IDENT}[] = {\n  ${words}\n};\n\n}  // namespace being::shaders\n")
