#!/usr/bin/env bash
# reflection_protoc.sh - fetches the FileDescriptorSet with nothing but
# nngcat and protoc (Reflection/GetFileDescriptorSet), decodes it with
# descriptor.proto and checks that it describes every service and method of
# proto/hues/v1, with their request and response types; then uses it alone
# (no .proto files) to decode a reply, as a client discovering the API at
# run time would.
. "$(dirname "$0")/lib.sh"

# descriptor.proto ships with protoc (Debian: /usr/include).
descriptor_inc=""
for d in /usr/include /usr/local/include; do
	if [ -f "$d/google/protobuf/descriptor.proto" ]; then
		descriptor_inc=$d
		break
	fi
done
[ -n "$descriptor_inc" ] || fail "google/protobuf/descriptor.proto not found"

start_server reflection --listen "ipc://$tmp/hues.sock"

call "$SERVER_URL" >"$tmp/reply.txt" <<'TXT'
version: 1
method: "/hues.v1.Reflection/GetFileDescriptorSet"
call_id: 42
TXT
if grep -q '^code:' "$tmp/reply.txt"; then
	cat "$tmp/reply.txt" >&2
	fail "GetFileDescriptorSet did not succeed"
fi
unescape_field payload <"$tmp/reply.txt" |
    decode hues.v1.GetFileDescriptorSetResponse reflection.proto \
    >"$tmp/response.txt"
unescape_field file_descriptor_set <"$tmp/response.txt" >"$tmp/api.fds"
[ -s "$tmp/api.fds" ] || fail "the FileDescriptorSet is empty"
protoc -I"$descriptor_inc" --decode=google.protobuf.FileDescriptorSet \
    google/protobuf/descriptor.proto <"$tmp/api.fds" >"$tmp/fds.txt"

# What the set describes: "Service/Method Input Output" per method, from the
# 2-space indentation of protoc's text format (file > service > method).
awk '
/^  package: / { gsub(/"/, "", $2); pkg = $2 }
/^  service \{/ { in_svc = 1; next }
/^  [a-z_]+ \{/ { in_svc = 0 }
in_svc && /^    name: / { gsub(/"/, "", $2); svc = pkg "." $2 }
in_svc && /^    method \{/ { in_m = 1; next }
in_svc && in_m && /^      name: / { gsub(/"/, "", $2); m = $2 }
in_svc && in_m && /^      input_type: / { gsub(/"/, "", $2); sub(/^\./, "", $2); in_t = $2 }
in_svc && in_m && /^      output_type: / { gsub(/"/, "", $2); sub(/^\./, "", $2); out_t = $2 }
in_svc && in_m && /^    \}/ { print svc "/" m, in_t, out_t; in_m = 0 }
' "$tmp/fds.txt" | sort >"$tmp/served.txt"

# What the .proto files declare, comments stripped and lines joined so that
# an rpc spread over several lines reads as one.
for f in "$HUES_SOURCE_DIR"/proto/hues/v1/*.proto; do
	pkg=$(sed -n 's/^package \([A-Za-z0-9_.]*\);.*/\1/p' "$f")
	grep -qF "name: \"hues/v1/$(basename "$f")\"" "$tmp/fds.txt" ||
	    check_failed "the set has no file hues/v1/$(basename "$f")"
	# (rpc.proto declares messages only: no match is no error.)
	sed 's://.*$::' "$f" | tr '\n' ' ' |
	    { grep -oE 'service +[A-Za-z0-9_]+|rpc +[A-Za-z0-9_]+ *\( *[A-Za-z0-9_.]+ *\) *returns *\( *[A-Za-z0-9_.]+ *\)' || true; } |
	    while read -r kind rest; do
		if [ "$kind" = service ]; then
			svc="$pkg.$rest"
			continue
		fi
		# rest: "Name(Req) returns (Resp)"; types may be qualified.
		read -r name in_type out_type < <(echo "$rest" |
		    tr '()' '  ' | sed 's/ returns / /')
		case $in_type in *.*) ;; *) in_type="$pkg.$in_type" ;; esac
		case $out_type in *.*) ;; *) out_type="$pkg.$out_type" ;; esac
		echo "$svc/$name $in_type $out_type"
	    done
done | sort >"$tmp/declared.txt"

[ -s "$tmp/declared.txt" ] || fail "found no rpc in proto/hues/v1"
# Guard the parser above: it must have read every rpc line.
nrpc=$(cat "$HUES_SOURCE_DIR"/proto/hues/v1/*.proto | sed 's://.*$::' |
    grep -cE '^[[:space:]]*rpc[[:space:]]' || true)
[ "$nrpc" -eq "$(wc -l <"$tmp/declared.txt")" ] ||
    fail "parsed $(wc -l <"$tmp/declared.txt") of $nrpc rpc declarations"
echo "declared in proto/hues/v1:"
sed 's/^/  /' "$tmp/declared.txt"
missing=$(comm -23 "$tmp/declared.txt" "$tmp/served.txt")
if [ -n "$missing" ]; then
	check_failed "missing from the FileDescriptorSet: $missing"
else
	ok "the FileDescriptorSet describes all $(wc -l <"$tmp/declared.txt") methods"
fi

# The set alone is enough to decode a reply: no -I, no .proto files.
call "$SERVER_URL" >"$tmp/health.txt" <<'TXT'
version: 1
method: "/hues.v1.Health/Check"
call_id: 7
TXT
unescape_field payload <"$tmp/health.txt" >"$tmp/health.bin"
protoc --descriptor_set_in="$tmp/api.fds" \
    --decode=hues.v1.HealthCheckResponse hues/v1/health.proto \
    <"$tmp/health.bin" >"$tmp/health-decoded.txt" ||
    check_failed "protoc cannot decode with the fetched descriptors alone"
if grep -qx 'status: SERVING' "$tmp/health-decoded.txt"; then
	ok "decoded Health/Check with the fetched descriptors only"
else
	check_failed "decoding with the fetched descriptors gave: $(cat "$tmp/health-decoded.txt")"
fi

stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"
finish
