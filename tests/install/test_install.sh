#!/usr/bin/env bash
# Installs the build to a temporary prefix and uses it the way a firmware
# engineer would, knowing nothing of the source tree: find_package(FlexCiMVP)
# for examples/firmware-hello (program and plug-in) and examples/embed, the
# installed flexcim running the plug-in, pkg-config for a firmware-only build.
#   test_install.sh BUILD_DIR EXAMPLES_DIR
set -euo pipefail
build=$1
examples=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/flexcim include/flexcim/flexcim_regs.h include/flexcim/platform.h include/flexcim/embed.h \
         include/flexcim/flexcim_plugin.h include/flexcim/nm/pattern.h share/flexcim-vp/scenarios/defaults.yaml \
         share/flexcim-vp/scenarios/energy/dcim-45nm.yaml share/doc/flexcim_vp/registers.md \
         share/doc/flexcim_vp/firmware-guide.md lib/libflexcim_firmware.a lib/libflexcim_platform.a \
         lib/cmake/FlexCiMVP/FlexCiMVPConfig.cmake lib/cmake/FlexCiMVP/FlexCiMVPConfigVersion.cmake \
         lib/pkgconfig/flexcim-firmware.pc; do
  [[ -e $prefix/$f ]] || fail "$f not installed"
done

# The environment a user has: no FLEXCIM_* variables, working directory elsewhere.
unset FLEXCIM_DATA_DIR FLEXCIM_SHARED_DIR FLEXCIM_MODEL_DIR
cd "$work"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# The installed program finds its data beside it.
"$prefix/bin/flexcim" config "$prefix/share/flexcim-vp/scenarios/default.yaml" >/dev/null \
  || fail "installed flexcim does not find its defaults"

for example in firmware-hello embed; do
  cp -r "$examples/$example" "$work/$example"
  cmake -S "$work/$example" -B "$work/$example/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    "${launcher[@]}" >"$work/$example.configure.log" 2>&1 || { cat "$work/$example.configure.log"; fail "configure $example"; }
  cmake --build "$work/$example/build" -j2 >"$work/$example.build.log" 2>&1 \
    || { cat "$work/$example.build.log"; fail "build $example"; }
done

# firmware-hello as a program (platform.h) ...
out=$("$work/firmware-hello/build/hello") || fail "hello exited $?: $out"
echo "$out"
grep -q "256 of 256 outputs match the golden GEMM" <<<"$out" || fail "hello: no golden match"
grep -q "hello: 1 job" <<<"$out" || fail "hello: job statistics missing"

# ... and as a plug-in of the installed flexcim, with interrupts and polling.
for wait in interrupt poll; do
  out=$("$prefix/bin/flexcim" run "$prefix/share/flexcim-vp/scenarios/default.yaml" --set platform.wait=$wait \
        --firmware "$work/firmware-hello/build/libhello_plugin.so" --out "$work/run-$wait") || fail "plug-in run ($wait) exited $?: $out"
  echo "$out"
  grep -q "256 of 256 outputs match the golden GEMM" <<<"$out" || fail "plug-in ($wait): no golden match"
  grep -q '"firmware_returned": 0' "$work/run-$wait/stats.json" || fail "plug-in ($wait): stats.json"
done

# The plug-in needs nothing of SystemC.
if ldd "$work/firmware-hello/build/libhello_plugin.so" | grep -q systemc; then fail "the plug-in links SystemC"; fi

# embed: the accelerator in a user-written top.
out=$("$work/embed/build/embed") || fail "embed exited $?: $out"
echo "$out"
grep -q "Y matches the golden GEMM" <<<"$out" || fail "embed: no golden match"

# pkg-config: the firmware alone, as a cross build would compile it.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
c++ -std=c++17 -shared -fPIC -fvisibility=hidden -o "$work/libhello_pc.so" \
  "$examples/firmware-hello/plugin.cpp" "$examples/firmware-hello/hello.cpp" $(pkg-config --cflags --libs flexcim-firmware) \
  || fail "pkg-config build of the firmware"
out=$("$prefix/bin/flexcim" run "$prefix/share/flexcim-vp/scenarios/default.yaml" --firmware "$work/libhello_pc.so" \
      --out "$work/run-pc") || fail "pkg-config plug-in exited $?: $out"
grep -q "256 of 256 outputs match the golden GEMM" <<<"$out" || fail "pkg-config plug-in: no golden match"
echo "install tree: all examples pass"
