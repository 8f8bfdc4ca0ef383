# Shared by the GPU machine's scripts (gpu-check.sh, gpu-bake.sh): configure the whole tree with what
# .device provides (no FFmpeg, OpenCV, SDL2, OpenAL there) and build every target that can be built.
# Expects BUILD; returns non-zero when configuring or building fails (the build log's errors printed).
gpu_configure_and_build() {
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  # CMake 4 there refuses package configs that ask for CMake < 3.5 (KissFFT's): allow them.
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DBEING_WITH_CUDA=ON -DBEING_WITH_TORCH=ON \
    -DBEING_WITH_VULKAN=ON -DBEING_WITH_FFMPEG=OFF -DBEING_WITH_OPENCV=OFF -DBEING_WITH_SDL2=OFF \
    -DBEING_WITH_OPENAL=OFF -DBEING_WITH_IMGUI=OFF >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; return 1; }
  sed -n '/Being .* configuration/,/^-- $/p' "$BUILD.configure.log"
  echo "== build"
  cmake --build "$BUILD" -- -k 0 >"$BUILD.build.log" 2>&1 || { grep -E "error|FAILED" "$BUILD.build.log" | head -40; return 1; }
}
