// Writes a small valid .avatar for the command-line tests: write_test_avatar OUT.avatar
#include "synthetic_avatar.h"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_test_avatar OUT.avatar\n";
    return 2;
  }
  being::asset::write_avatar(being::asset::test::make_synthetic_avatar(42), argv[1]);
  return 0;
}
