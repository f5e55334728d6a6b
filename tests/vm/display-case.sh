# tests/vm/display-case.sh: the display case of tests/vm/umdev-check (sourced by it; uses its
# $mnt, $top, $build, $lspci, check and mdevctl).
#
# Two displays made by mdevctl, attached to one guest:
# - an mbochs-small, which the guest's own bochs DRM driver binds; it sets the mode the device's
#   EDID prefers and gives /dev/fb0; a guest program (tests/vm/guest/fbpattern.c, built here)
#   paints a known pattern through a mapping of /dev/fb0 (umdev.display in tests/vm/guest/init);
# - an mdpy-vga, which no driver of Debian's kernel knows: the guest loads the kernel sample's
#   own driver, mdpy-fb.ko (tests/vm/prepare builds it from Debian's linux-source for the guest
#   kernel), which binds it and registers /dev/fbN; the same program paints the pattern there
#   (umdev.mdpy).
# While the guest holds each picture, the host takes it with umdev-screenshot (PNG: the pattern
# exactly) and with Debian's vncsnapshot through the device's VNC server (JPEG, its only output:
# the pattern within JPEG's error). Afterwards umdev-lspci decodes what the guest left in the
# bochs registers and mdpy's framebuffer description, and mdevctl stop must take each device's
# views with it.
display_case() {
	local shot=$build/tools/umdev-screenshot out=$top/display kind uuid
	local -A dev sock vnc
	mkdir -p "$out"
	if ! gcc -static -O2 -o "$out/fbpattern" tests/vm/guest/fbpattern.c >"$out/fbpattern-build.log" 2>&1; then
		check display-guest-program FAIL "cannot build fbpattern: $(cat "$out/fbpattern-build.log")"
		return
	fi
	for kind in mbochs mdpy; do
		uuid=$(cat /proc/sys/kernel/random/uuid)
		dev[$kind]=$mnt/bus/mdev/devices/$uuid
		mdevctl start -p $kind -t "$([ $kind = mbochs ] && echo mbochs-small || echo mdpy-vga)" \
			-u "$uuid" >"$out/mdevctl-start-$kind.log" 2>&1
		sock[$kind]=$(cat "${dev[$kind]}/vfio-user-socket" 2>/dev/null)
		vnc[$kind]=$(cat "${dev[$kind]}/vendor/vnc" 2>/dev/null)
		if [ -n "${sock[$kind]}" ] && [ -n "${vnc[$kind]}" ]; then
			check "display-mdevctl-start-$kind" PASS "$uuid: vnc ${vnc[$kind]}, $(cat "${dev[$kind]}/vendor/screenshot_socket"), mode $(cat "${dev[$kind]}/vendor/mode")"
		else
			check "display-mdevctl-start-$kind" FAIL "$(cat "$out/mdevctl-start-$kind.log")"
			return
		fi
	done

	# the host side: for each device, wait for the guest's "picture ready" line, then look
	(
		for kind in mbochs mdpy; do
			marker=$([ $kind = mbochs ] && echo UMDEV-DISPLAY-READY || echo UMDEV-MDPY-READY)
			for _ in $(seq 600); do
				grep -q "^$marker" "$out/vm/console.log" 2>/dev/null && break
				sleep 0.5
			done
			cat "${dev[$kind]}/vendor/mode" >"$out/mode-$kind.txt"
			"$shot" "${sock[$kind]}" "$out/screenshot-$kind.png" >"$out/screenshot-$kind.log" 2>&1
			echo "exit $?" >>"$out/screenshot-$kind.log"
			# vncsnapshot takes HOST:DISPLAY, DISPLAY being the port less 5900
			timeout 30 vncsnapshot -quiet -nocursor -nojpeg \
				"${vnc[$kind]%:*}:$((${vnc[$kind]##*:} - 5900))" "$out/vncsnapshot-$kind.jpg" \
				>"$out/vncsnapshot-$kind.log" 2>&1
			echo "exit $?" >>"$out/vncsnapshot-$kind.log"
		done
	) &
	local host=$!
	tests/vm/run --no-prepare --device "${sock[mbochs]}" --device "${sock[mdpy]}" \
		--expect 1234:1111 --expect 1b36:000f --append umdev.display=1234:1111 \
		--append umdev.mdpy=1b36:000f --append umdev.display_hold=10 \
		--guest-file "$out/fbpattern" --out "$out/vm" >"$out/vm-run.log" 2>&1
	local vm_status=$?
	wait $host
	sed -n '/^== guest results/,$p' "$out/vm-run.log" | grep '^  ' | sed 's/^  /  guest: /'
	if [ $vm_status = 0 ] && grep -q 'UMDEV-RESULT display-draw PASS' "$out/vm/console.log" &&
		grep -q 'UMDEV-RESULT mdpy-draw PASS' "$out/vm/console.log"; then
		check display-guest PASS "$(grep -o -e 'display-bind PASS.*' -e 'mdpy-bind PASS.*' \
			"$out/vm/console.log" | tr -d '\r' | sed 's/ PASS//' | paste -sd ';' | sed 's/;/; /')"
	else
		check display-guest FAIL "tests/vm/run exit $vm_status: $(tail -n1 "$out/vm-run.log")"
	fi
	if [ -f "$out/vm/qemu-stderr.log" ] && [ ! -s "$out/vm/qemu-stderr.log" ]; then
		check display-qemu-quiet PASS "QEMU's stderr empty"
	else
		check display-qemu-quiet FAIL "QEMU said: $(head -c 600 "$out/vm/qemu-stderr.log" 2>&1)"
	fi
	local size marker
	for kind in mbochs mdpy; do
		marker=$([ $kind = mbochs ] && echo UMDEV-DISPLAY-READY || echo UMDEV-MDPY-READY)
		size=$(tr -d '\r' <"$out/vm/console.log" | sed -n "s/^$marker \([0-9]*x[0-9]*\)$/\1/p")
		if [ -n "$size" ] && tests/vm/display-compare.py exact "$out/screenshot-$kind.png" \
			"${size%x*}" "${size#*x}" >"$out/compare-screenshot-$kind.txt" 2>&1; then
			check "display-screenshot-$kind" PASS "$(cat "$out/compare-screenshot-$kind.txt"); mode $(cat "$out/mode-$kind.txt")"
		else
			check "display-screenshot-$kind" FAIL "size '$size': $(cat "$out/screenshot-$kind.log" "$out/compare-screenshot-$kind.txt" 2>/dev/null | tr '\n' ' ')"
		fi
		if [ -n "$size" ] && tests/vm/display-compare.py near "$out/vncsnapshot-$kind.jpg" \
			"${size%x*}" "${size#*x}" >"$out/compare-vnc-$kind.txt" 2>&1; then
			check "display-vnc-$kind" PASS "vncsnapshot via ${vnc[$kind]}: $(cat "$out/compare-vnc-$kind.txt")"
		else
			check "display-vnc-$kind" FAIL "$(cat "$out/vncsnapshot-$kind.log" "$out/compare-vnc-$kind.txt" 2>/dev/null | tr '\n' ' ')"
		fi
	done

	# what the guest left in the bochs registers, decoded by umdev-lspci once QEMU has let go
	if "$lspci" "${sock[mbochs]}" >"$out/lspci.txt" 2>&1 &&
		grep -q 'display enabled, 800x600 at 32 bpp' "$out/lspci.txt" &&
		grep -q 'preferred mode 800x600' "$out/lspci.txt"; then
		check display-lspci PASS "$(grep -A3 '^Bochs display' "$out/lspci.txt" | tail -n2 | tr -s '\t\n' '  ')"
	else
		check display-lspci FAIL "$(tail -n5 "$out/lspci.txt" | tr '\n' ' ')"
	fi
	if "$lspci" "${sock[mdpy]}" >"$out/lspci-mdpy.txt" 2>&1 &&
		grep -q 'Framebuffer: format 0x34325258 (XR24), 640x480, in BAR0' "$out/lspci-mdpy.txt"; then
		check display-lspci-mdpy PASS "$(tail -n1 "$out/lspci-mdpy.txt" | tr -s '\t' ' ')"
	else
		check display-lspci-mdpy FAIL "$(tail -n3 "$out/lspci-mdpy.txt" | tr '\n' ' ')"
	fi

	for kind in mbochs mdpy; do
		uuid=$(basename "${dev[$kind]}")
		mdevctl stop -u "$uuid" >"$out/mdevctl-stop-$kind.log" 2>&1
		if [ ! -e "${dev[$kind]}" ] && ! "$shot" "$uuid" "$out/after-stop.png" >"$out/after-stop-$kind.log" 2>&1 &&
			! timeout 5 bash -c "echo >/dev/tcp/${vnc[$kind]%:*}/${vnc[$kind]##*:}" 2>/dev/null; then
			check "display-mdevctl-stop-$kind" PASS "device gone, and its screenshot socket and VNC port with it"
		else
			check "display-mdevctl-stop-$kind" FAIL "$(cat "$out/mdevctl-stop-$kind.log" "$out/after-stop-$kind.log" | tr '\n' ' ')"
		fi
	done
}
