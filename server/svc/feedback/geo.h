/*
 * geo.h - where a report is: coordinate checks, the service area, great
 * circle distances, and the geohash cells of the spatial index.
 *
 * The index keys a report by its geohash at FEEDBACK_GEO_INDEX_PRECISION
 * characters, then its time (docs/feedback.md). A query covers its circle
 * or box with cells of the same or a shorter length and scans each cell as
 * a key prefix: a shorter cell is a prefix of every longer one inside it.
 * Pure functions of their arguments; any thread.
 */
#ifndef HUES_SVC_FEEDBACK_GEO_H
#define HUES_SVC_FEEDBACK_GEO_H

#include <stdbool.h>
#include <stddef.h>

/* Geohash lengths 1 .. FEEDBACK_GEOHASH_MAX. */
#define FEEDBACK_GEOHASH_MAX 12
/* The length stored in index keys: cells of about 1.2 km x 0.6 km at
 * Huế's latitude, so a 250 m circle touches at most 4 of them. */
#define FEEDBACK_GEO_INDEX_PRECISION 6
/* "Open reports of the same category within 250 m" (FixMyStreet). */
#define FEEDBACK_NEARBY_RADIUS_M 250
/* The largest PublicFeed radius. */
#define FEEDBACK_MAX_RADIUS_M 5000
/* Mean Earth radius (IUGG), for haversine. */
#define FEEDBACK_EARTH_RADIUS_M 6371008.8

typedef struct feedback_point {
	double lat; /* degrees, -90 .. 90 */
	double lon; /* degrees, -180 .. 180 */
} feedback_point;

/* A box that does not cross the antimeridian: west <= east. */
typedef struct feedback_bbox {
	double south, west, north, east;
} feedback_bbox;

/* Where reports are accepted: inside bbox and, when npolygon >= 3, inside
 * the polygon too (vertices in order, either orientation; borrowed). */
typedef struct feedback_area {
	feedback_bbox         bbox;
	const feedback_point *polygon;
	size_t                npolygon;
} feedback_area;

/* Thừa Thiên Huế (Huế city since 2025) as a box: lat 15.9 .. 16.8, lon
 * 107.0 .. 108.3, which holds the province with a margin. */
extern const feedback_area feedback_default_area;

/* Whether p has finite coordinates within -90 .. 90 and -180 .. 180. */
bool feedback_point_valid(feedback_point p);

/* Whether b is a valid box (valid corners, south <= north, west <= east). */
bool feedback_bbox_valid(const feedback_bbox *b);

/* Whether p lies in b, edges included. */
bool feedback_bbox_contains(const feedback_bbox *b, feedback_point p);

/* The box around the circle of radius_m about c: every point within
 * radius_m of c has a latitude in south .. north and, unless the circle
 * reaches a pole (then west and east are -180 and 180), a longitude in
 * west .. east, which may pass -180 or 180 (no wrap: a valid box only when
 * it does not). */
feedback_bbox feedback_circle_bbox(feedback_point c, double radius_m);

/* Whether p lies in the area. */
bool feedback_area_contains(const feedback_area *a, feedback_point p);

/* The great circle (haversine) distance in metres. */
double feedback_distance_m(feedback_point a, feedback_point b);

/*
 * Writes the geohash of p with precision characters and a NUL into out
 * (at least precision + 1 bytes). Returns HUES_OK, or HUES_INVALID_ARGUMENT
 * for an invalid point or a precision outside 1 .. FEEDBACK_GEOHASH_MAX
 * (out untouched).
 */
int feedback_geohash_encode(feedback_point p, unsigned precision, char *out);

/* The cell of a geohash (lowercase base32, 1 .. FEEDBACK_GEOHASH_MAX
 * characters). Returns HUES_OK and sets *out, or HUES_INVALID_ARGUMENT. */
int feedback_geohash_decode(const char *hash, feedback_bbox *out);

/*
 * The cell dx columns east and dy rows north of hash, of the same length,
 * into out (strlen(hash) + 1 bytes). Longitude wraps round; returns
 * HUES_OUT_OF_RANGE past a pole, HUES_INVALID_ARGUMENT for a bad hash.
 */
int feedback_geohash_neighbour(const char *hash, int dx, int dy, char *out);

/* One cell of a cover and a lower bound of its distance from the centre
 * (0 when the centre is in it, or for box covers). */
typedef struct feedback_cell {
	char   hash[FEEDBACK_GEOHASH_MAX + 1];
	double min_distance_m;
} feedback_cell;

/*
 * The cells of length precision that hold every point within radius_m of
 * center, nearest first (then by hash), into cells[0 .. *n - 1]: scanning
 * them in order, a nearest-first query may stop once it holds a page of
 * results no farther than the next cell's min_distance_m. Returns HUES_OK;
 * HUES_INVALID_ARGUMENT for a bad point, a radius not > 0 or a precision
 * outside 1 .. FEEDBACK_GEOHASH_MAX; HUES_OUT_OF_RANGE when more than cap
 * cells are needed (or the circle's bounding box spans more than
 * 4 * cap + 64 cells, which bounds the work). cells and *n are written
 * only on success.
 */
int feedback_geo_cover_circle(feedback_point center, double radius_m,
    unsigned precision, feedback_cell *cells, size_t cap, size_t *n);

/* Like feedback_geo_cover_circle() for the cells that meet box b, sorted
 * by hash, min_distance_m 0. */
int feedback_geo_cover_bbox(const feedback_bbox *b, unsigned precision,
    feedback_cell *cells, size_t cap, size_t *n);

/*
 * The longest cell length, at most FEEDBACK_GEO_INDEX_PRECISION, whose
 * cover of the circle has at most max_cells cells (1 when none has): the
 * finest scan that stays within a budget of key ranges. For Huế, a 250 m
 * circle gets 6 and a 5 km circle 5 with max_cells 16.
 */
unsigned feedback_geo_precision_for(
    feedback_point center, double radius_m, size_t max_cells);

#endif /* HUES_SVC_FEEDBACK_GEO_H */
