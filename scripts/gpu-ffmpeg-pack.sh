#!/usr/bin/env bash
# Packs this machine's FFmpeg shared libraries (Debian 12), everything they load, their headers,
# pkg-config files and pkgconf into .gpu-ffmpeg/ffpack.txz (about 50 MB), so that the GPU machine,
# which has no FFmpeg, can build and run `being render` for the MP4 numbers in docs/BENCHMARKS.md.
# There: `tar xJf .gpu-ffmpeg/ffpack.txz -C /opt` (scripts/gpu-runtime.sh does it), then
# PKG_CONFIG_PATH=/opt/ffpack/pkgconfig, PATH=/opt/ffpack/bin:..., LD_LIBRARY_PATH=/opt/ffpack/lib:...
# The C library itself is not packed: the GPU machine's glibc (2.39) is newer than Debian 12's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
libdir=/usr/lib/x86_64-linux-gnu
ffmpeg=(libavcodec.so.59 libavformat.so.59 libavutil.so.57 libswresample.so.4 libswscale.so.6)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$work/ffpack
mkdir -p "$pack"/{lib,include,pkgconfig,bin}
for l in "${ffmpeg[@]}"; do ldd "$libdir/$l"; done | awk '/=>/ {print $3}' | sort -u |
  grep -vE '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s)\.so|ld-linux' | xargs -I{} cp -L {} "$pack/lib/"
for l in "${ffmpeg[@]}"; do
  cp -L "$libdir/$l" "$pack/lib/"
  ln -sf "$l" "$pack/lib/${l%%.so*}.so"
done
cp -r /usr/include/x86_64-linux-gnu/{libavcodec,libavformat,libavutil,libswresample,libswscale} "$pack/include/"
for m in libavcodec libavformat libavutil libswresample libswscale; do
  sed -e 's|^prefix=.*|prefix=/opt/ffpack|' -e 's|^libdir=.*|libdir=/opt/ffpack/lib|' \
      -e 's|^includedir=.*|includedir=/opt/ffpack/include|' "$libdir/pkgconfig/$m.pc" >"$pack/pkgconfig/$m.pc"
done
cp -L /usr/bin/pkgconf "$pack/bin/pkg-config"
cp -L "$libdir/libpkgconf.so.3" "$pack/lib/"
mkdir -p "$root/.gpu-ffmpeg"
tar cJf "$root/.gpu-ffmpeg/ffpack.txz" -C "$work" ffpack
du -h "$root/.gpu-ffmpeg/ffpack.txz"
