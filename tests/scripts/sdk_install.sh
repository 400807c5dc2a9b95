#!/usr/bin/env bash
# sdk_install.sh - the SDK as a gateway developer gets it: cmake --install
# into a fresh prefix, then client-sdk/examples/ built against that prefix
# only, (a) with pkg-config (shared, and static with --static) and (b) with
# CMake's find_package(hues) (hues::hues and hues::hues_static), all with
# -Wall -Wextra -Werror; every build runs against a fresh server.
. "$(dirname "$0")/lib.sh"

examples="$HUES_SOURCE_DIR/client-sdk/examples"
warn=(-Wall -Wextra -Werror)
# In the sanitizer build libhues is instrumented: so must its users be.
# shellcheck disable=SC2206 # the flags are words
warn+=(${HUES_SANITIZE_FLAGS:-})

install_sdk
echo "installed into $PREFIX (libraries in $SDK_LIBDIR)"
for f in include/hues/hues.h include/hues/client.h include/hues/status.h \
    include/hues/api.h include/hues/v1/rpc.pb-c.h \
    include/hues/v1/health.pb-c.h; do
	[ -f "$PREFIX/$f" ] || check_failed "not installed: $f"
done
for f in libhues.so libhues.a pkgconfig/hues.pc cmake/hues/huesConfig.cmake; do
	[ -e "$SDK_LIBDIR/$f" ] || check_failed "not installed: $SDK_LIBDIR/$f"
done

start_server sdk --listen "ipc://$tmp/hues.sock"

# run_gateway WHAT BINARY [ENV...]: runs an example build against the server
# and checks what it prints and its status.
run_gateway() {
	local what=$1 bin=$2 rv=0
	shift 2
	env "$@" "$bin" --url "$SERVER_URL" >"$tmp/run.out" 2>&1 || rv=$?
	if [ "$rv" -eq 0 ] && grep -qx 'health: SERVING (OK)' "$tmp/run.out" &&
	    grep -qx 'echo: 8/8 ok' "$tmp/run.out" &&
	    grep -q '^unknown method: UNIMPLEMENTED: ' "$tmp/run.out" &&
	    grep -q '^bad request: INVALID_ARGUMENT: ' "$tmp/run.out" &&
	    grep -q '^  violation: service: ' "$tmp/run.out"; then
		ok "$what runs"
	else
		cat "$tmp/run.out" >&2
		check_failed "$what: status $rv or unexpected output"
	fi
}

# ----- (a) pkg-config ---------------------------------------------------------

export PKG_CONFIG_PATH="$SDK_LIBDIR/pkgconfig"
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR

# hues.pc must describe the prefix it was installed into, wherever that is.
# Compared as canonical paths: a relocatable hues.pc says <pcdir>/../../include.
incdir=$(realpath -m "$(pkg-config --variable=includedir hues)")
libdir=$(realpath -m "$(pkg-config --variable=libdir hues)")
if [ "$incdir" = "$(realpath -m "$PREFIX/include")" ] && [ "$libdir" = "$(realpath -m "$SDK_LIBDIR")" ]; then
	ok "hues.pc points into the install prefix"
	pc=(pkg-config)
else
	check_failed "hues.pc installed under $PREFIX says includedir=$incdir libdir=$libdir: its prefix is fixed when cmake configures, not set when installing (cmake --install --prefix); a relocatable hues.pc uses prefix=\${pcfiledir}/../.."
	# Go on with the prefix pkg-config derives from where hues.pc lies,
	# so that the rest of the file is still checked.
	pc=(pkg-config --define-prefix)
fi

# Shared library: the usual `cc $(pkg-config --cflags --libs hues)`.
# shellcheck disable=SC2046 # word splitting of pkg-config output intended
if cc -std=c11 "${warn[@]}" $("${pc[@]}" --cflags hues) \
    "$examples/gateway.c" -o "$tmp/gateway-pc" \
    $("${pc[@]}" --libs hues) 2>"$tmp/cc-pc.err"; then
	ok "built with pkg-config (shared)"
	# (grep without -q: it reads all of its input, so that pipefail never
	# sees the writer killed by SIGPIPE.)
	if ldd "$tmp/gateway-pc" | grep 'libhues\.so' >/dev/null; then
		run_gateway "pkg-config shared build" "$tmp/gateway-pc" \
		    LD_LIBRARY_PATH="$SDK_LIBDIR"
	else
		check_failed "the pkg-config build does not use libhues.so"
	fi
else
	cat "$tmp/cc-pc.err" >&2
	check_failed "cc \$(pkg-config --cflags --libs hues) gateway.c failed"
fi

# Static library: libhues.a and everything pkg-config --static lists are
# linked statically, so Libs.private and Requires must be complete.
# shellcheck disable=SC2046
if cc -std=c11 "${warn[@]}" $("${pc[@]}" --cflags hues) \
    "$examples/gateway.c" -o "$tmp/gateway-static" \
    $("${pc[@]}" --static --libs-only-L hues) -Wl,-Bstatic \
    $("${pc[@]}" --static --libs-only-l hues) -Wl,-Bdynamic \
    2>"$tmp/cc-static.err"; then
	ok "built with pkg-config --static"
	if readelf -d "$tmp/gateway-static" | grep 'libhues\.so' >/dev/null; then
		check_failed "the static build still needs libhues.so"
	else
		run_gateway "pkg-config static build" "$tmp/gateway-static"
	fi
else
	cat "$tmp/cc-static.err" >&2
	check_failed "linking gateway.c statically with pkg-config --static failed"
fi

# ----- (b) CMake find_package(hues) ---------------------------------------------

for variant in shared static; do
	b="$tmp/cmake-$variant"
	static=OFF
	[ "$variant" = static ] && static=ON
	if cmake -S "$examples" -B "$b" -DCMAKE_PREFIX_PATH="$PREFIX" \
	    -DCMAKE_C_FLAGS="${warn[*]}" -DHUES_EXAMPLES_STATIC="$static" \
	    -DCMAKE_EXE_LINKER_FLAGS="${HUES_SANITIZE_FLAGS:-}" \
	    >"$b.log" 2>&1 && cmake --build "$b" >>"$b.log" 2>&1; then
		ok "built with find_package(hues) ($variant)"
		if [ "$variant" = shared ] &&
		    ! ldd "$b/gateway" | grep -F "$SDK_LIBDIR/libhues.so" >/dev/null; then
			check_failed "the CMake build does not use $SDK_LIBDIR/libhues.so:"$'\n'"$(ldd "$b/gateway")"
		fi
		run_gateway "CMake $variant build" "$b/gateway"
	else
		cat "$b.log" >&2
		check_failed "the CMake build of client-sdk/examples ($variant) failed"
	fi
done

stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"
finish
