# tests/vm/display-case.sh: the display case of tests/vm/umdev-check (sourced by it; uses its
# $mnt, $top, $lspci, check and mdevctl).
#
# An mbochs-small device made by mdevctl; a guest whose own bochs DRM driver binds it, sets the
# mode the device's EDID prefers and gives /dev/fb0; a guest program (tests/vm/guest/fbpattern.c,
# built here) paints a known pattern there through a mapping of /dev/fb0, and the guest holds it
# (tests/vm/guest/init, umdev.display). Meanwhile the host takes the picture two
# ways: umdev-screenshot (PNG: must be the pattern exactly) and Debian's vncsnapshot through
# the device's VNC server (JPEG, its only output: must be the pattern within JPEG's error).
# After the guest has powered off, mdevctl stops the device and its views must be gone.
display_case() {
	local shot=$build/tools/umdev-screenshot uuid devdir socket vnc out=$top/display
	mkdir -p "$out"
	if ! gcc -static -O2 -o "$out/fbpattern" tests/vm/guest/fbpattern.c >"$out/fbpattern-build.log" 2>&1; then
		check display-guest-program FAIL "cannot build fbpattern: $(cat "$out/fbpattern-build.log")"
		return
	fi
	uuid=$(cat /proc/sys/kernel/random/uuid)
	devdir=$mnt/bus/mdev/devices/$uuid
	mdevctl start -p mbochs -t mbochs-small -u "$uuid" >"$out/mdevctl-start.log" 2>&1
	socket=$(cat "$devdir/vfio-user-socket" 2>/dev/null)
	vnc=$(cat "$devdir/vendor/vnc" 2>/dev/null)
	if [ -n "$socket" ] && [ -n "$vnc" ] && [ "$(cat "$devdir/vendor/mode")" = off ]; then
		check display-mdevctl-start PASS "mbochs-small $uuid: vnc $vnc, $(cat "$devdir/vendor/screenshot_socket"), mode off"
	else
		check display-mdevctl-start FAIL "$(cat "$out/mdevctl-start.log")"
		return
	fi

	# the host side, waiting for the guest's "picture ready" line on the console
	(
		for _ in $(seq 600); do
			grep -q '^UMDEV-DISPLAY-READY' "$out/vm/console.log" 2>/dev/null && break
			sleep 0.5
		done
		cat "$devdir/vendor/mode" >"$out/mode-live.txt"
		"$shot" "$socket" "$out/screenshot.png" >"$out/screenshot.log" 2>&1
		echo "exit $?" >>"$out/screenshot.log"
		# vncsnapshot takes HOST:DISPLAY, DISPLAY being the port less 5900
		timeout 30 vncsnapshot -quiet -nocursor -nojpeg "${vnc%:*}:$((${vnc##*:} - 5900))" \
			"$out/vncsnapshot.jpg" >"$out/vncsnapshot.log" 2>&1
		echo "exit $?" >>"$out/vncsnapshot.log"
	) &
	local host=$!
	tests/vm/run --no-prepare --device "$socket" --expect 1234:1111 --append umdev.display=1234:1111 \
		--guest-file "$out/fbpattern" --out "$out/vm" >"$out/vm-run.log" 2>&1
	local vm_status=$?
	wait $host
	sed -n '/^== guest results/,$p' "$out/vm-run.log" | grep '^  ' | sed 's/^  /  guest: /'
	if [ $vm_status = 0 ] && grep -q 'UMDEV-RESULT display-draw PASS' "$out/vm/console.log"; then
		check display-guest PASS "$(grep -o 'display-bind PASS.*' "$out/vm/console.log" | tr -d '\r')"
	else
		check display-guest FAIL "tests/vm/run exit $vm_status: $(tail -n1 "$out/vm-run.log")"
	fi
	if [ -f "$out/vm/qemu-stderr.log" ] && [ ! -s "$out/vm/qemu-stderr.log" ]; then
		check display-qemu-quiet PASS "QEMU's stderr empty"
	else
		check display-qemu-quiet FAIL "QEMU said: $(head -c 600 "$out/vm/qemu-stderr.log" 2>&1)"
	fi
	local size
	size=$(tr -d '\r' <"$out/vm/console.log" | sed -n 's/^UMDEV-DISPLAY-READY \([0-9]*x[0-9]*\)$/\1/p')
	if [ -n "$size" ] && tests/vm/display-compare.py exact "$out/screenshot.png" "${size%x*}" "${size#*x}" \
		>"$out/compare-screenshot.txt" 2>&1; then
		check display-screenshot PASS "$(cat "$out/compare-screenshot.txt"); mode $(cat "$out/mode-live.txt")"
	else
		check display-screenshot FAIL "size '$size': $(cat "$out/screenshot.log" "$out/compare-screenshot.txt" 2>/dev/null | tr '\n' ' ')"
	fi
	if [ -n "$size" ] && tests/vm/display-compare.py near "$out/vncsnapshot.jpg" "${size%x*}" "${size#*x}" \
		>"$out/compare-vnc.txt" 2>&1; then
		check display-vnc PASS "vncsnapshot via $vnc: $(cat "$out/compare-vnc.txt")"
	else
		check display-vnc FAIL "$(cat "$out/vncsnapshot.log" "$out/compare-vnc.txt" 2>/dev/null | tr '\n' ' ')"
	fi

	# what the guest left in the registers, decoded by umdev-lspci once QEMU has let go
	if "$lspci" "$socket" >"$out/lspci.txt" 2>&1 && grep -q 'display enabled, 800x600 at 32 bpp' "$out/lspci.txt" &&
		grep -q 'preferred mode 800x600' "$out/lspci.txt"; then
		check display-lspci PASS "$(grep -A3 '^Bochs display' "$out/lspci.txt" | tail -n2 | tr -s '\t\n' '  ')"
	else
		check display-lspci FAIL "$(tail -n5 "$out/lspci.txt" | tr '\n' ' ')"
	fi

	mdevctl stop -u "$uuid" >"$out/mdevctl-stop.log" 2>&1
	if [ ! -e "$devdir" ] && ! "$shot" "$uuid" "$out/after-stop.png" >"$out/after-stop.log" 2>&1 &&
		! timeout 5 bash -c "echo >/dev/tcp/${vnc%:*}/${vnc##*:}" 2>/dev/null; then
		check display-mdevctl-stop PASS "device gone, and its screenshot socket and VNC port with it"
	else
		check display-mdevctl-stop FAIL "$(cat "$out/mdevctl-stop.log" "$out/after-stop.log" | tr '\n' ' ')"
	fi
}
