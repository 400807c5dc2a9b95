/*
 * feedback_catalog_util.h - what the catalog tests share: the server and
 * client they run against (env), walking the List* methods page by page,
 * and the admin writes. feedback_catalog_test.c checks what the catalog
 * lists and stores, feedback_catalog_errors_test.c what it refuses.
 */
#ifndef HUES_TEST_FEEDBACK_CATALOG_UTIL_H
#define HUES_TEST_FEEDBACK_CATALOG_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "feedback_util.h"

extern fb_env env;

/* The default catalog: 26 categories, 16 agencies and 12 ward offices,
 * 12 wards, 5 ward-office rules per ward and telecom.cable in Đông Ba. */
#define DEFAULT_CATEGORIES 26
#define DEFAULT_AGENCIES   28
#define DEFAULT_WARDS      12
#define DEFAULT_RULES      61

enum { CATEGORIES, AGENCIES, WARDS, RULES };

/* The keys of one list, walked to its end. */
typedef struct keys {
	char   k[200][80];
	size_t n;
	size_t pages;
} keys;

int  setup(void **state);
int  teardown(void **state);
int  list_page(int which, bool inactive, const char *category, int page_size,
     const char *tok, keys *k, char **next);
bool has(const keys *k, const char *key);
void walk(int which, bool inactive, const char *category, int page_size,
    keys *k, void (*between)(size_t));
int  put_category(const char *token, Hues__V1__Category *c, hues_result **res);
void category_init(Hues__V1__Category *c, const char *code, const char *agency);
int  put_agency(const char *token, Hues__V1__Agency *a, hues_result **res);
int  put_ward(const char *token, Hues__V1__Ward *w, hues_result **res);
int  put_rule(const char *token, const char *category, const char *ward,
     const char *agency, hues_result **res);
int  delete_rule(const char *token, const char *category, const char *ward,
     hues_result **res);
const char *routed_to(const char *category, const char *ward);
void        count_all(size_t n[4]);

#endif
