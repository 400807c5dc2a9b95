/*
 * destination.h - for the geography tests: the point at a distance and
 * bearing from another on the sphere of svc/feedback/geo.h, the inverse
 * of feedback_distance_m(), to place points just inside or outside a
 * radius.
 */
#ifndef HUES_TEST_FEEDBACK_DESTINATION_H
#define HUES_TEST_FEEDBACK_DESTINATION_H

#include <math.h>

#include "svc/feedback/geo.h"

/* The point at distance d (m) and bearing theta (radians) from c. */
static inline feedback_point
destination(feedback_point c, double d, double theta)
{
	double lat1 = c.lat * M_PI / 180, lon1 = c.lon * M_PI / 180;
	double ang  = d / FEEDBACK_EARTH_RADIUS_M;
	double lat2 =
	    asin(sin(lat1) * cos(ang) + cos(lat1) * sin(ang) * cos(theta));
	double lon2 = lon1 + atan2(sin(theta) * sin(ang) * cos(lat1),
	                         cos(ang) - sin(lat1) * sin(lat2));
	feedback_point p = { lat2 * 180 / M_PI, lon2 * 180 / M_PI };
	if (p.lon > 180) {
		p.lon -= 360;
	} else if (p.lon < -180) {
		p.lon += 360;
	}
	return p;
}

#endif
