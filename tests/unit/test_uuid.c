// SPDX-License-Identifier: MIT
/* UUID text: what the kernel's uuid_is_valid() accepts and %pUl prints. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <umdev/bus.h>

static void parses_either_case_to_the_same_bytes(void **state)
{
	uint8_t lower[16], upper[16];
	char text[37];
	(void)state;

	assert_int_equal(umdev_uuid_parse("0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0aff", lower), 0);
	assert_int_equal(umdev_uuid_parse("0B5B0F3C-8C1E-4A43-9D5A-6C0E6F1F0AFF", upper), 0);
	assert_memory_equal(lower, upper, 16);
	assert_int_equal(lower[0], 0x0b);
	assert_int_equal(lower[15], 0xff);
	umdev_uuid_format(upper, text);
	assert_string_equal(text, "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0aff");
}

static void rejects_malformed_text(void **state)
{
	static const char *const bad[] = {
		"{b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0aff", /* brace */
		"0b5b0f3c 8c1e-4a43-9d5a-6c0e6f1f0aff", /* space for a hyphen */
		"0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0ag0", /* not hex */
		"0b5b0f3c8c1e-4a43-9d5a-6c0e6f1f0aff0", /* hyphen moved */
		"0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a",	/* short: NUL reached */
		"0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a\n\n",
		"-0b5b0f3-8c1e-4a43-9d5a-6c0e6f1f0aff",
		"                                    ",
	};
	uint8_t uuid[16];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(umdev_uuid_parse(bad[i], uuid), -EINVAL);
}

static void reads_only_36_characters(void **state)
{
	uint8_t uuid[16];
	(void)state;

	assert_int_equal(umdev_uuid_parse("0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0affJUNK", uuid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_either_case_to_the_same_bytes),
		cmocka_unit_test(rejects_malformed_text),
		cmocka_unit_test(reads_only_36_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
