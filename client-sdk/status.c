/*
 * status.c - names and descriptions of status codes.
 */
#include "hues/status.h"

const char *
hues_status_name(int code)
{
	switch (code) {
#define HUES_NAME_CASE(name, num, desc)                                       \
	case num: return #name;
		HUES_STATUS_MAP(HUES_NAME_CASE)
#undef HUES_NAME_CASE
	}
	return "UNKNOWN_CODE";
}

const char *
hues_strerror(int code)
{
	switch (code) {
#define HUES_DESC_CASE(name, num, desc)                                       \
	case num: return desc;
		HUES_STATUS_MAP(HUES_DESC_CASE)
#undef HUES_DESC_CASE
	}
	return "unknown status code";
}
