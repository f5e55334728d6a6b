// SPDX-License-Identifier: MIT
/* UUID text form, as the kernel's uuid_is_valid() and %pUl have it. */
#include <errno.h>

#include "private.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_hyphen_position(int i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

int umdev_uuid_parse(const char *str, uint8_t uuid[UMDEV_UUID_SIZE])
{
	int byte = 0;

	for (int i = 0; i < UMDEV_UUID_STRING_LEN; i++) {
		if (is_hyphen_position(i)) {
			if (str[i] != '-')
				return -EINVAL;
			continue;
		}
		int high = hex_value(str[i]);
		if (high < 0)
			return -EINVAL;
		int low = hex_value(str[i + 1]);
		if (low < 0)
			return -EINVAL;
		uuid[byte++] = (uint8_t)(high << 4 | low);
		i++;
	}
	return 0;
}

void umdev_uuid_format(const uint8_t uuid[UMDEV_UUID_SIZE],
		       char out[UMDEV_UUID_STRING_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int byte = 0;

	for (int i = 0; i < UMDEV_UUID_STRING_LEN; i++) {
		if (is_hyphen_position(i)) {
			out[i] = '-';
			continue;
		}
		out[i] = digits[uuid[byte] >> 4];
		out[i + 1] = digits[uuid[byte] & 0xf];
		byte++;
		i++;
	}
	out[UMDEV_UUID_STRING_LEN] = '\0';
}
