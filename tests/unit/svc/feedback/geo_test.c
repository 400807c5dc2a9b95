/*
 * geo_test.c - geohash against published vectors, neighbours, and covers:
 * every point within r of the centre (sampled, and on the rim) falls in
 * one of the cells returned, and the queries the service makes touch few
 * cells. The random points come from a fixed-seed generator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "hues/status.h"
#include "destination.h"
#include "svc/feedback/geo.h"

static const feedback_point hue = { 16.4637, 107.5909 }; /* Ngọ Môn */

static void
test_geo_points_and_area(void **state)
{
	(void) state;
	assert_true(feedback_point_valid(hue));
	assert_true(feedback_point_valid((feedback_point) { -90, -180 }));
	assert_true(feedback_point_valid((feedback_point) { 90, 180 }));
	assert_false(feedback_point_valid((feedback_point) { 90.0001, 0 }));
	assert_false(feedback_point_valid((feedback_point) { 0, -180.0001 }));
	assert_false(feedback_point_valid((feedback_point) { NAN, 0 }));
	assert_false(feedback_point_valid((feedback_point) { 0, INFINITY }));

	const feedback_area *a = &feedback_default_area;
	assert_true(feedback_area_contains(a, hue));
	assert_true(
	    feedback_area_contains(a, (feedback_point) { 16.0, 108.2 }));
	assert_true(
	    feedback_area_contains(a, (feedback_point) { 15.9, 107.0 }));
	assert_false(
	    feedback_area_contains(a, (feedback_point) { 21.03, 105.85 }));
	assert_false(
	    feedback_area_contains(a, (feedback_point) { 16.5, 108.31 }));
	assert_false(feedback_area_contains(a, (feedback_point) { 0, 0 }));
	assert_false(
	    feedback_area_contains(a, (feedback_point) { NAN, 107.5 }));

	/* A triangle inside the box narrows it. */
	static const feedback_point tri[] = { { 16.0, 107.0 }, { 16.8, 107.5 },
		{ 16.0, 108.0 } };
	feedback_area t = { .bbox = a->bbox, .polygon = tri, .npolygon = 3 };
	assert_true(
	    feedback_area_contains(&t, (feedback_point) { 16.3, 107.5 }));
	assert_false(
	    feedback_area_contains(&t, (feedback_point) { 16.7, 107.1 }));
	assert_false(
	    feedback_area_contains(&t, (feedback_point) { 16.7, 107.9 }));
	assert_false(
	    feedback_area_contains(&t, (feedback_point) { 16.3, 108.1 }));
}

static void
test_geo_distance(void **state)
{
	(void) state;
	double deg = FEEDBACK_EARTH_RADIUS_M * M_PI / 180.0;
	assert_true(fabs(feedback_distance_m((feedback_point) { 0, 0 },
	                     (feedback_point) { 1, 0 }) -
	                 deg) < 1e-6);
	assert_true(fabs(feedback_distance_m((feedback_point) { 0, 179.5 },
	                     (feedback_point) { 0, -179.5 }) -
	                 deg) < 1e-6);
	assert_true(feedback_distance_m(hue, hue) == 0);
	/* Half the globe, pole to pole. */
	assert_true(fabs(feedback_distance_m((feedback_point) { 90, 0 },
	                     (feedback_point) { -90, 0 }) -
	                 180 * deg) < 1e-6);
	/* One degree of longitude at Huế's latitude, within 0.1%. */
	double d =
	    feedback_distance_m(hue, (feedback_point) { hue.lat, hue.lon + 1 });
	assert_true(fabs(d - deg * cos(hue.lat * M_PI / 180)) < deg * 1e-3);
}

typedef struct vector {
	double      lat, lon;
	const char *hash;
} vector;

static void
test_geo_geohash_vectors(void **state)
{
	(void) state;
	static const vector v[] = {
		{ 57.64911, 10.40744, "u4pruydqqvj" }, /* Wikipedia */
		{ 42.6, -5.6, "ezs42" },               /* Wikipedia */
		/* Redis GEOHASH examples (Palermo, Catania), first 10
		 * characters: Redis has 52 bits only and pads the 11th. */
		{ 38.115556, 13.361389, "sqc8b49rny" },
		{ 37.502669, 15.087269, "sqdtr74hyu" },
		{ -25.382708, -49.265506, "6gkzwgjzn820" },
		{ 0, 0, "s00000000000" },
		{ -90, -180, "000000000000" },
		{ 90, 180, "zzzzzzzzzzzz" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char           got[FEEDBACK_GEOHASH_MAX + 1];
		unsigned       p  = (unsigned) strlen(v[i].hash);
		feedback_point pt = { v[i].lat, v[i].lon };
		assert_int_equal(feedback_geohash_encode(pt, p, got), HUES_OK);
		assert_string_equal(got, v[i].hash);
		/* Every prefix is the hash at a shorter length. */
		for (unsigned k = 1; k < p; k++) {
			char shorter[FEEDBACK_GEOHASH_MAX + 1];
			assert_int_equal(
			    feedback_geohash_encode(pt, k, shorter), HUES_OK);
			assert_memory_equal(shorter, v[i].hash, k);
			assert_int_equal(strlen(shorter), k);
		}
		feedback_bbox b;
		assert_int_equal(
		    feedback_geohash_decode(v[i].hash, &b), HUES_OK);
		assert_true(feedback_bbox_contains(&b, pt));
	}
	feedback_bbox b;
	assert_int_equal(feedback_geohash_decode("ezs42", &b), HUES_OK);
	assert_true(fabs(b.south - 42.583007812) < 1e-8);
	assert_true(fabs(b.north - 42.626953125) < 1e-8);
	assert_true(fabs(b.west - -5.625) < 1e-8);
	assert_true(fabs(b.east - -5.581054687) < 1e-8);

	char out[16] = "unchanged";
	assert_int_equal(
	    feedback_geohash_encode(hue, 0, out), HUES_INVALID_ARGUMENT);
	assert_int_equal(
	    feedback_geohash_encode(hue, 13, out), HUES_INVALID_ARGUMENT);
	assert_int_equal(
	    feedback_geohash_encode((feedback_point) { 91, 0 }, 5, out),
	    HUES_INVALID_ARGUMENT);
	assert_string_equal(out, "unchanged");
	const char *bad[] = { "", "ezs4a", "EZS42", "ezs42i", "ezs42l",
		"ezs42o", "0123456789bcd" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (feedback_geohash_decode(bad[i], &b) !=
		    HUES_INVALID_ARGUMENT) {
			fail_msg("decoded %s", bad[i]);
		}
	}
	assert_int_equal(
	    feedback_geohash_decode(NULL, &b), HUES_INVALID_ARGUMENT);
}

static void
test_geo_neighbours(void **state)
{
	(void) state;
	char n[FEEDBACK_GEOHASH_MAX + 1];
	/* The neighbours of "ezs42", from the reference tables. */
	static const struct {
		int         dx, dy;
		const char *hash;
	} v[] = { { 0, 1, "ezs48" }, { 1, 0, "ezs43" }, { 0, -1, "ezs40" },
		{ -1, 0, "ezefr" }, { 1, 1, "ezs49" }, { -1, -1, "ezefp" } };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(
		    feedback_geohash_neighbour("ezs42", v[i].dx, v[i].dy, n),
		    HUES_OK);
		assert_string_equal(n, v[i].hash);
	}
	/* Cells side by side share an edge, at every length. */
	for (unsigned p = 1; p <= FEEDBACK_GEOHASH_MAX; p++) {
		char          h[FEEDBACK_GEOHASH_MAX + 1];
		feedback_bbox c, e, no;
		assert_int_equal(feedback_geohash_encode(hue, p, h), HUES_OK);
		assert_int_equal(
		    feedback_geohash_neighbour(h, 1, 0, n), HUES_OK);
		feedback_geohash_decode(h, &c);
		feedback_geohash_decode(n, &e);
		assert_true(fabs(c.east - e.west) < 1e-9);
		assert_true(fabs(c.south - e.south) < 1e-9);
		assert_int_equal(
		    feedback_geohash_neighbour(h, 0, 1, n), HUES_OK);
		feedback_geohash_decode(n, &no);
		assert_true(fabs(c.north - no.south) < 1e-9);
		assert_true(fabs(c.west - no.west) < 1e-9);
	}
	/* Longitude wraps; the poles end the world. */
	assert_int_equal(feedback_geohash_neighbour("z", 1, 0, n), HUES_OK);
	assert_string_equal(n, "b"); /* z is the north-east corner cell */
	assert_int_equal(
	    feedback_geohash_neighbour("z", 0, 1, n), HUES_OUT_OF_RANGE);
	assert_int_equal(
	    feedback_geohash_neighbour("0", 0, -1, n), HUES_OUT_OF_RANGE);
	assert_int_equal(feedback_geohash_neighbour("0", -1, 0, n), HUES_OK);
	assert_string_equal(n, "p");
	assert_int_equal(
	    feedback_geohash_neighbour("a", 0, 0, n), HUES_INVALID_ARGUMENT);
}

/* A fixed-seed generator (xorshift64*), for reproducible samples. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static double
uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double) ((rng * 2685821657736338717u) >> 11) /
	       9007199254740992.0;
}

static bool
in_cells(const feedback_cell *cells, size_t n, const char *h)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cells[i].hash, h) == 0) {
			return true;
		}
	}
	return false;
}

/* Every sampled point of the disc (and of its rim) is in the cover. */
static void
check_cover(feedback_point c, double r, unsigned p)
{
	feedback_cell cells[1024];
	size_t        n = 0;
	assert_int_equal(
	    feedback_geo_cover_circle(c, r, p, cells, 1024, &n), HUES_OK);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(cells[i].hash), p);
		assert_true(cells[i].min_distance_m <= r);
		if (i > 0) {
			assert_true(cells[i - 1].min_distance_m <=
			            cells[i].min_distance_m);
		}
	}
	char h[FEEDBACK_GEOHASH_MAX + 1];
	assert_int_equal(feedback_geohash_encode(c, p, h), HUES_OK);
	/* The centre's own cell comes first, with any that touch it. */
	bool first = false;
	for (size_t i = 0; i < n && cells[i].min_distance_m == 0; i++) {
		first |= strcmp(cells[i].hash, h) == 0;
	}
	assert_true(first);
	for (int i = 0; i < 3000; i++) {
		double         d = i < 500 ? r * 0.999999 : r * sqrt(uniform());
		feedback_point q = destination(c, d, 2 * M_PI * uniform());
		if (feedback_distance_m(c, q) > r) {
			continue;
		}
		assert_int_equal(feedback_geohash_encode(q, p, h), HUES_OK);
		if (!in_cells(cells, n, h)) {
			fail_msg(
			    "(%f, %f) r %.0f p %u: point (%f, %f) in %s is "
			    "not covered",
			    c.lat, c.lon, r, p, q.lat, q.lon, h);
		}
	}
}

static void
test_geo_cover_circle(void **state)
{
	(void) state;
	static const double radii[] = { 50, 250, 1000, 5000 };
	/* Huế, the area's corners, the equator, the antimeridian. */
	static const feedback_point centres[] = { hue, { 15.9, 107.0 },
		{ 16.8, 108.3 }, { 0, 0 }, { 0.001, 179.999 },
		{ -33.9, 151.2 } };
	for (size_t i = 0; i < sizeof(centres) / sizeof(centres[0]); i++) {
		for (size_t j = 0; j < sizeof(radii) / sizeof(radii[0]); j++) {
			for (unsigned p = 4; p <= 7; p++) {
				if (p == 7 && radii[j] > 1000) {
					continue; /* too many cells for cap */
				}
				check_cover(centres[i], radii[j], p);
			}
		}
	}
	/* Near a pole every longitude is in range. */
	feedback_point pole = { 89.995, 10 };
	feedback_cell  cells[1024];
	size_t         n = 0;
	assert_int_equal(
	    feedback_geo_cover_circle(pole, 2000, 3, cells, 1024, &n), HUES_OK);
	check_cover(pole, 2000, 3);
}

static void
test_geo_cover_few_cells(void **state)
{
	(void) state;
	feedback_cell cells[64];
	size_t        n, worst250 = 0, worst5k = 0;
	/* Centres all over the city: the worst case counts. */
	for (int i = 0; i < 400; i++) {
		feedback_point c = { 16.40 + 0.15 * uniform(),
			107.50 + 0.2 * uniform() };
		assert_int_equal(feedback_geo_precision_for(c, 250, 16), 6);
		assert_int_equal(
		    feedback_geo_cover_circle(c, 250, 6, cells, 64, &n),
		    HUES_OK);
		worst250 = n > worst250 ? n : worst250;
		assert_int_equal(feedback_geo_precision_for(c, 5000, 16), 5);
		assert_int_equal(
		    feedback_geo_cover_circle(c, 5000, 5, cells, 64, &n),
		    HUES_OK);
		worst5k = n > worst5k ? n : worst5k;
	}
	assert_true(worst250 <= 4);
	assert_true(worst5k <= 16);
	/* Nothing is written when the cap is too small. */
	n = 77;
	memset(cells, 0x5a, sizeof(cells));
	assert_int_equal(feedback_geo_cover_circle(hue, 5000, 6, cells, 16, &n),
	    HUES_OUT_OF_RANGE);
	assert_int_equal(n, 77);
	assert_int_equal(((unsigned char *) cells)[0], 0x5a);
	assert_int_equal(feedback_geo_cover_circle(hue, 0, 6, cells, 16, &n),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_geo_cover_circle(hue, NAN, 6, cells, 16, &n),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_geo_cover_circle(
	                     (feedback_point) { 100, 0 }, 10, 6, cells, 16, &n),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_geo_cover_circle(hue, 10, 13, cells, 16, &n),
	    HUES_INVALID_ARGUMENT);
}

static void
test_geo_cover_bbox(void **state)
{
	(void) state;
	feedback_bbox b = { 16.45, 107.57, 16.48, 107.61 };
	feedback_cell cells[256];
	size_t        n = 0;
	assert_int_equal(
	    feedback_geo_cover_bbox(&b, 6, cells, 256, &n), HUES_OK);
	assert_true(n >= 4 && n <= 42);
	for (size_t i = 1; i < n; i++) {
		assert_true(strcmp(cells[i - 1].hash, cells[i].hash) < 0);
	}
	for (int i = 0; i < 2000; i++) {
		feedback_point q = { b.south + (b.north - b.south) * uniform(),
			b.west + (b.east - b.west) * uniform() };
		char           h[8];
		feedback_geohash_encode(q, 6, h);
		assert_true(in_cells(cells, n, h));
	}
	/* The corners too. */
	char h[8];
	feedback_geohash_encode((feedback_point) { b.north, b.east }, 6, h);
	assert_true(in_cells(cells, n, h));
	feedback_geohash_encode((feedback_point) { b.south, b.west }, 6, h);
	assert_true(in_cells(cells, n, h));

	feedback_bbox bad = { 16.5, 107.6, 16.4, 107.7 };
	assert_int_equal(feedback_geo_cover_bbox(&bad, 6, cells, 256, &n),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(
	    feedback_geo_cover_bbox(&b, 6, cells, 2, &n), HUES_OUT_OF_RANGE);
	/* The whole province is cheap at a coarse length. */
	assert_int_equal(feedback_geo_cover_bbox(
	                     &feedback_default_area.bbox, 4, cells, 256, &n),
	    HUES_OK);
	assert_true(n <= 32);
}

/* Every point within the radius lies in the circle's box; a circle that
 * reaches a pole takes every longitude. */
static void
test_geo_circle_bbox(void **state)
{
	(void) state;
	static const feedback_point centres[] = { hue, { 0, 0 },
		{ 0.001, 179.999 }, { 60, 10 }, { -75, -60 }, { 89.9999, 0 } };
	static const double radii[] = { 5, 250, 5000 };
	for (size_t c = 0; c < sizeof(centres) / sizeof(centres[0]); c++) {
		for (size_t k = 0; k < sizeof(radii) / sizeof(radii[0]); k++) {
			feedback_bbox b = feedback_circle_bbox(centres[c], radii[k]);
			assert_true(b.south < centres[c].lat);
			assert_true(b.north > centres[c].lat);
			for (int i = 0; i < 2000; i++) {
				double d = i < 1000 ? radii[k] * 0.9999999
				                    : radii[k] * uniform();
				feedback_point q =
				    destination(centres[c], d, 2 * M_PI * uniform());
				if (feedback_distance_m(centres[c], q) > radii[k]) {
					continue;
				}
				assert_true(q.lat >= b.south && q.lat <= b.north);
				/* a box past the 180th: compare unwrapped */
				double lon = q.lon;
				if (lon < b.west) {
					lon += 360;
				} else if (lon > b.east) {
					lon -= 360;
				}
				if (lon < b.west || lon > b.east) {
					fail_msg("(%f, %f) r %.0f: (%f, %f) outside "
					         "%f .. %f",
					    centres[c].lat, centres[c].lon, radii[k], q.lat,
					    q.lon, b.west, b.east);
				}
			}
		}
	}
	feedback_bbox polar = feedback_circle_bbox(centres[5], 250);
	assert_true(polar.west == -180 && polar.east == 180);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geo_points_and_area),
		cmocka_unit_test(test_geo_distance),
		cmocka_unit_test(test_geo_geohash_vectors),
		cmocka_unit_test(test_geo_neighbours),
		cmocka_unit_test(test_geo_cover_circle),
		cmocka_unit_test(test_geo_cover_few_cells),
		cmocka_unit_test(test_geo_cover_bbox),
		cmocka_unit_test(test_geo_circle_bbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
