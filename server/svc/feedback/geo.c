/*
 * geo.c - geohash cells as integer column/row pairs: a hash of length p
 * interleaves ceil(5p/2) longitude bits with floor(5p/2) latitude bits,
 * longitude first, so a cell is (x, y) on a 2^lonbits x 2^latbits grid.
 * Covers enumerate the grid cells under a box and, for circles, drop those
 * that are provably farther than the radius.
 */
#include "svc/feedback/geo.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hues/status.h"

static const char base32[] = "0123456789bcdefghjkmnpqrstuvwxyz";

const feedback_area feedback_default_area = {
	.bbox = { .south = 15.9, .west = 107.0, .north = 16.8, .east = 108.3 },
};

/* Slack that keeps a point on a cell edge, which floating point may put
 * on either side, inside the cover. */
#define EDGE_EPS_DEG 1e-9

bool
feedback_point_valid(feedback_point p)
{
	return isfinite(p.lat) && isfinite(p.lon) && p.lat >= -90 &&
	       p.lat <= 90 && p.lon >= -180 && p.lon <= 180;
}

bool
feedback_bbox_valid(const feedback_bbox *b)
{
	return feedback_point_valid((feedback_point) { b->south, b->west }) &&
	       feedback_point_valid((feedback_point) { b->north, b->east }) &&
	       b->south <= b->north && b->west <= b->east;
}

bool
feedback_bbox_contains(const feedback_bbox *b, feedback_point p)
{
	return p.lat >= b->south && p.lat <= b->north && p.lon >= b->west &&
	       p.lon <= b->east;
}

/* Ray casting: counts the edges a ray due east of p crosses. */
static bool
polygon_contains(const feedback_point *v, size_t n, feedback_point p)
{
	bool in = false;
	for (size_t i = 0, j = n - 1; i < n; j = i++) {
		if ((v[i].lat > p.lat) != (v[j].lat > p.lat)) {
			double lon = v[j].lon + (p.lat - v[j].lat) *
			                            (v[i].lon - v[j].lon) /
			                            (v[i].lat - v[j].lat);
			if (p.lon < lon) {
				in = !in;
			}
		}
	}
	return in;
}

bool
feedback_area_contains(const feedback_area *a, feedback_point p)
{
	if (!feedback_point_valid(p) || !feedback_bbox_contains(&a->bbox, p)) {
		return false;
	}
	return a->npolygon < 3 || polygon_contains(a->polygon, a->npolygon, p);
}

static double
rad(double deg)
{
	return deg * (M_PI / 180.0);
}

double
feedback_distance_m(feedback_point a, feedback_point b)
{
	double dlat = rad(b.lat - a.lat), dlon = rad(b.lon - a.lon);
	double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
	double h = s1 * s1 + cos(rad(a.lat)) * cos(rad(b.lat)) * s2 * s2;
	if (h > 1) {
		h = 1;
	}
	return 2 * FEEDBACK_EARTH_RADIUS_M * asin(sqrt(h));
}

/* ----- cells as grid coordinates ---------------------------------------- */

typedef struct grid {
	unsigned lon_bits, lat_bits;
	int64_t  nx, ny; /* 2^lon_bits, 2^lat_bits */
} grid;

static grid
grid_of(unsigned precision)
{
	unsigned bits = 5 * precision;
	grid     g    = { .lon_bits = (bits + 1) / 2, .lat_bits = bits / 2 };
	g.nx          = (int64_t) 1 << g.lon_bits;
	g.ny          = (int64_t) 1 << g.lat_bits;
	return g;
}

static void
hash_of(const grid *g, unsigned precision, uint64_t x, uint64_t y, char *out)
{
	unsigned xb = g->lon_bits, yb = g->lat_bits;
	unsigned ch = 0, nbits = 0;
	for (unsigned i = 0; i < 5 * precision; i++) {
		unsigned bit;
		if (i % 2 == 0) {
			bit = (unsigned) (x >> --xb) & 1u;
		} else {
			bit = (unsigned) (y >> --yb) & 1u;
		}
		ch = ch << 1 | bit;
		if (++nbits == 5) {
			*out++ = base32[ch];
			ch = nbits = 0;
		}
	}
	*out = '\0';
}

static int
parse_hash(const char *hash, unsigned *precision, uint64_t *x, uint64_t *y)
{
	size_t len = hash != NULL ? strlen(hash) : 0;
	if (len < 1 || len > FEEDBACK_GEOHASH_MAX) {
		return HUES_INVALID_ARGUMENT;
	}
	uint64_t xx = 0, yy = 0;
	unsigned i = 0;
	for (size_t k = 0; k < len; k++) {
		const char *c = strchr(base32, hash[k]);
		if (c == NULL) {
			return HUES_INVALID_ARGUMENT;
		}
		unsigned v = (unsigned) (c - base32);
		for (int b = 4; b >= 0; b--, i++) {
			uint64_t bit = (v >> b) & 1u;
			if (i % 2 == 0) {
				xx = xx << 1 | bit;
			} else {
				yy = yy << 1 | bit;
			}
		}
	}
	*precision = (unsigned) len;
	*x         = xx;
	*y         = yy;
	return HUES_OK;
}

static feedback_bbox
cell_bbox(const grid *g, int64_t x, int64_t y)
{
	double w = 360.0 / (double) g->nx, h = 180.0 / (double) g->ny;
	return (feedback_bbox) {
		.south = -90 + (double) y * h,
		.west  = -180 + (double) x * w,
		.north = -90 + (double) (y + 1) * h,
		.east  = -180 + (double) (x + 1) * w,
	};
}

/* The bits of v in -half .. half, halved n times. */
static uint64_t
bisect(double v, double half, unsigned n)
{
	double   lo = -half, hi = half;
	uint64_t x  = 0;
	for (unsigned i = 0; i < n; i++) {
		double   mid = (lo + hi) / 2;
		unsigned bit = v >= mid;
		lo           = bit ? mid : lo;
		hi           = bit ? hi : mid;
		x            = x << 1 | bit;
	}
	return x;
}

int
feedback_geohash_encode(feedback_point p, unsigned precision, char *out)
{
	if (!feedback_point_valid(p) || precision < 1 ||
	    precision > FEEDBACK_GEOHASH_MAX) {
		return HUES_INVALID_ARGUMENT;
	}
	/* Bisection, as the reference encoder does, so that points on a
	 * boundary land in the same cell as everywhere else. The bits
	 * alternate between longitude and latitude, but neither's steps
	 * depend on the other's: one loop each, without the branches. */
	grid g = grid_of(precision);
	hash_of(&g, precision, bisect(p.lon, 180, g.lon_bits),
	    bisect(p.lat, 90, g.lat_bits), out);
	return HUES_OK;
}

int
feedback_geohash_decode(const char *hash, feedback_bbox *out)
{
	unsigned p;
	uint64_t x, y;
	int      rc = parse_hash(hash, &p, &x, &y);
	if (rc != HUES_OK) {
		return rc;
	}
	grid g = grid_of(p);
	*out   = cell_bbox(&g, (int64_t) x, (int64_t) y);
	return HUES_OK;
}

int
feedback_geohash_neighbour(const char *hash, int dx, int dy, char *out)
{
	unsigned p;
	uint64_t x, y;
	int      rc = parse_hash(hash, &p, &x, &y);
	if (rc != HUES_OK) {
		return rc;
	}
	grid    g  = grid_of(p);
	int64_t ny = (int64_t) y + dy;
	if (ny < 0 || ny >= g.ny) {
		return HUES_OUT_OF_RANGE;
	}
	int64_t nx = (((int64_t) x + dx) % g.nx + g.nx) % g.nx;
	hash_of(&g, p, (uint64_t) nx, (uint64_t) ny, out);
	return HUES_OK;
}

/* ----- covers ------------------------------------------------------------ */

/* The grid range under a box: columns x0 .. x1 (unwrapped: may leave
 * 0 .. nx - 1, taken modulo nx), rows y0 .. y1 (clamped). */
typedef struct range {
	int64_t x0, x1, y0, y1;
} range;

static range
range_of(const grid *g, double south, double west, double north, double east)
{
	double cw = 360.0 / (double) g->nx, ch = 180.0 / (double) g->ny;
	range  r = {
		 .x0 = (int64_t) floor((west - EDGE_EPS_DEG + 180) / cw),
		 .x1 = (int64_t) floor((east + EDGE_EPS_DEG + 180) / cw),
		 .y0 = (int64_t) floor((south - EDGE_EPS_DEG + 90) / ch),
		 .y1 = (int64_t) floor((north + EDGE_EPS_DEG + 90) / ch),
	};
	if (r.x1 - r.x0 + 1 >= g->nx) {
		r.x0 = 0;
		r.x1 = g->nx - 1;
	}
	r.y0 = r.y0 < 0 ? 0 : r.y0;
	r.y1 = r.y1 >= g->ny ? g->ny - 1 : r.y1;
	return r;
}

/* A lower bound of the distance from c to any point of cell b: the
 * distance to the nearest point of the box in latitude and longitude,
 * less a margin for the small difference between that point and the true
 * nearest point on the sphere (well under a metre at 5 km). */
static double
min_distance(feedback_point c, const feedback_bbox *b, double radius_m)
{
	feedback_point q = c;
	if (q.lat < b->south) {
		q.lat = b->south;
	} else if (q.lat > b->north) {
		q.lat = b->north;
	}
	/* Longitude differences taken round the globe either way. */
	double to_w = fmod(b->west - c.lon + 540.0, 360.0) - 180.0;
	double to_e = fmod(b->east - c.lon + 540.0, 360.0) - 180.0;
	if (!(to_w <= 0 && to_e >= 0)) {
		q.lon = fabs(to_w) < fabs(to_e) ? c.lon + to_w : c.lon + to_e;
	}
	double d = feedback_distance_m(c, q) - (1.0 + radius_m * 1e-3);
	return d > 0 ? d : 0;
}

static int
cmp_cell(const void *a, const void *b)
{
	const feedback_cell *x = a, *y = b;
	if (x->min_distance_m != y->min_distance_m) {
		return x->min_distance_m < y->min_distance_m ? -1 : 1;
	}
	return strcmp(x->hash, y->hash);
}

/* Walks the cells of r; with a circle (radius_m > 0) keeps those that may
 * hold a point within radius_m of c. Counts them, and fills cells when
 * it is not NULL. */
static size_t
walk(const grid *g, unsigned precision, const range *r, feedback_point c,
    double radius_m, feedback_cell *cells)
{
	size_t n = 0;
	for (int64_t y = r->y0; y <= r->y1; y++) {
		for (int64_t xu = r->x0; xu <= r->x1; xu++) {
			int64_t       x = (xu % g->nx + g->nx) % g->nx;
			feedback_bbox b = cell_bbox(g, x, y);
			double        d = 0;
			if (radius_m > 0) {
				d = min_distance(c, &b, radius_m);
				if (d > radius_m) {
					continue;
				}
			}
			if (cells != NULL) {
				hash_of(g, precision, (uint64_t) x,
				    (uint64_t) y, cells[n].hash);
				cells[n].min_distance_m = d;
			}
			n++;
		}
	}
	return n;
}

feedback_bbox
feedback_circle_bbox(feedback_point c, double radius_m)
{
	double        ang  = radius_m / FEEDBACK_EARTH_RADIUS_M;
	double        dlat = ang * 180.0 / M_PI;
	double        k    = cos(rad(c.lat));
	feedback_bbox b    = { .south = c.lat - dlat, .north = c.lat + dlat,
		   .west = -180, .east = 180 };
	/* A point d from c differs in latitude by at most d / R, and in
	 * longitude by at most asin(sin(d / R) / cos(lat)), unless the
	 * circle reaches a pole: then every longitude. */
	if (b.south > -90 && b.north < 90 && sin(ang) < k) {
		double dlon = asin(sin(ang) / k) * 180.0 / M_PI;
		b.west      = c.lon - dlon;
		b.east      = c.lon + dlon;
	}
	return b;
}

/* The grid range under the circle's bounding box. */
static range
circle_range(const grid *g, feedback_point c, double radius_m)
{
	feedback_bbox b = feedback_circle_bbox(c, radius_m);
	return range_of(g, b.south, b.west, b.north, b.east);
}

/* Cells under a box small enough to walk once (about 10 KiB of stack). */
#define COVER_BUF 384

static int
cover(const grid *g, unsigned precision, const range *r, feedback_point c,
    double radius_m, feedback_cell *cells, size_t cap, size_t *n)
{
	/* A circle keeps over 3/4 of the cells under its box, so a box
	 * this much larger than cap cannot fit: refuse it before walking
	 * what could be millions of cells. */
	int64_t box = (r->x1 - r->x0 + 1) * (r->y1 - r->y0 + 1);
	if (box > (int64_t) cap * 4 + 64) {
		return HUES_OUT_OF_RANGE;
	}
	/* Nothing is written unless everything fits: a small box is walked
	 * once into a buffer of its size (each cell costs a haversine, and
	 * SubmitReport's nearby search walks one per call), a larger one
	 * counted first. */
	feedback_cell buf[COVER_BUF];
	size_t        count;
	if (box <= COVER_BUF) {
		count = walk(g, precision, r, c, radius_m, buf);
		if (count > cap) {
			return HUES_OUT_OF_RANGE;
		}
		memcpy(cells, buf, count * sizeof(*cells));
	} else {
		count = walk(g, precision, r, c, radius_m, NULL);
		if (count > cap) {
			return HUES_OUT_OF_RANGE;
		}
		walk(g, precision, r, c, radius_m, cells);
	}
	if (count > 0) {
		qsort(cells, count, sizeof(*cells), cmp_cell);
	}
	*n = count;
	return HUES_OK;
}

int
feedback_geo_cover_circle(feedback_point center, double radius_m,
    unsigned precision, feedback_cell *cells, size_t cap, size_t *n)
{
	if (!feedback_point_valid(center) || !(radius_m > 0) ||
	    !isfinite(radius_m) || precision < 1 ||
	    precision > FEEDBACK_GEOHASH_MAX) {
		return HUES_INVALID_ARGUMENT;
	}
	grid  g = grid_of(precision);
	range r = circle_range(&g, center, radius_m);
	return cover(&g, precision, &r, center, radius_m, cells, cap, n);
}

int
feedback_geo_cover_bbox(const feedback_bbox *b, unsigned precision,
    feedback_cell *cells, size_t cap, size_t *n)
{
	if (!feedback_bbox_valid(b) || precision < 1 ||
	    precision > FEEDBACK_GEOHASH_MAX) {
		return HUES_INVALID_ARGUMENT;
	}
	grid  g = grid_of(precision);
	range r = range_of(&g, b->south, b->west, b->north, b->east);
	return cover(
	    &g, precision, &r, (feedback_point) { 0, 0 }, 0, cells, cap, n);
}

unsigned
feedback_geo_precision_for(
    feedback_point center, double radius_m, size_t max_cells)
{
	if (!feedback_point_valid(center) || !(radius_m > 0)) {
		return 1;
	}
	for (unsigned p = FEEDBACK_GEO_INDEX_PRECISION; p > 1; p--) {
		grid  g = grid_of(p);
		range r = circle_range(&g, center, radius_m);
		/* The box bounds the count: skip walking huge ranges. */
		int64_t box = (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1);
		if (box <= (int64_t) max_cells * 4 &&
		    walk(&g, p, &r, center, radius_m, NULL) <= max_cells) {
			return p;
		}
	}
	return 1;
}
