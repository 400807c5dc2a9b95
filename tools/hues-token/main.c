/*
 * hues-token - mints a JWT for development and tests, signed with an
 * HS256 secret file (such as the one hues-server makes in its data dir)
 * or an RS256/ES256 private key, and prints it on stdout. It can mint
 * expired and not-yet-valid tokens on purpose: it is a test tool, not an
 * identity provider.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/mint.h"
#include "hues/status.h"

#define MAX_AUD 16

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: hues-token --key FILE --sub ID --role ROLE [options]\n"
	    "\n"
	    "Mints a JWT that hues-server accepts and prints it on stdout.\n"
	    "\n"
	    "  --key FILE        HS256: the secret file (one trailing newline "
	    "is\n"
	    "                    ignored, as the server does); RS256/ES256: a "
	    "PEM\n"
	    "                    private key\n"
	    "  --alg ALG         HS256 (default), RS256 or ES256\n"
	    "  --kid KID         key id header; the server needs it when it "
	    "has\n"
	    "                    several keys (the zero-configuration key is "
	    "'local')\n"
	    "  --sub ID          the user id (required)\n"
	    "  --role ROLE       citizen, officer, coordinator, admin or "
	    "service\n"
	    "                    (required; any text is signed, for tests)\n"
	    "  --agency ID       the officer's agency\n"
	    "  --ward ID         home ward\n"
	    "  --name TEXT       display name\n"
	    "  --obo ID          service tokens: the user the gateway acts "
	    "for\n"
	    "  --iss ISSUER      issuer claim\n"
	    "  --aud AUDIENCE    audience; repeat for an array\n"
	    "  --ttl SECONDS     lifetime, default 3600; negative mints an "
	    "expired\n"
	    "                    token\n"
	    "  --nbf-offset S    add nbf = now + S (negative: in the past)\n"
	    "  --help            print this help\n"
	    "\n"
	    "Example, against a server started with no keys configured:\n"
	    "  hues-token --key hues-data/jwt-secret --sub alice --role "
	    "citizen\n");
}

/* Parses a signed number of seconds; returns 0 or -1. */
static int
parse_seconds(const char *s, int64_t *out)
{
	char *end;
	errno       = 0;
	long long v = strtoll(s, &end, 10);
	/* Ten years either way is plenty, and keeps exp far from overflow. */
	if (errno != 0 || end == s || *end != '\0' || v > 315360000LL ||
	    v < -315360000LL) {
		return -1;
	}
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	enum {
		O_SUB = 256,
		O_ROLE,
		O_AGENCY,
		O_WARD,
		O_NAME,
		O_OBO,
		O_TTL,
		O_NBF,
		O_KID,
		O_ISS,
		O_AUD,
		O_KEY,
		O_ALG,
		O_HELP
	};
	static const struct option longs[] = {
		{ "sub", required_argument, NULL, O_SUB },
		{ "role", required_argument, NULL, O_ROLE },
		{ "agency", required_argument, NULL, O_AGENCY },
		{ "ward", required_argument, NULL, O_WARD },
		{ "name", required_argument, NULL, O_NAME },
		{ "obo", required_argument, NULL, O_OBO },
		{ "ttl", required_argument, NULL, O_TTL },
		{ "nbf-offset", required_argument, NULL, O_NBF },
		{ "kid", required_argument, NULL, O_KID },
		{ "iss", required_argument, NULL, O_ISS },
		{ "aud", required_argument, NULL, O_AUD },
		{ "key", required_argument, NULL, O_KEY },
		{ "alg", required_argument, NULL, O_ALG },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	auth_mint_opts o = { .alg = AUTH_ALG_HS256, .ttl_s = 3600 };
	const char    *aud[MAX_AUD];
	char           err[512];
	char          *token = NULL;
	int            c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case O_SUB: o.sub = optarg; break;
		case O_ROLE: o.role = optarg; break;
		case O_AGENCY: o.agency = optarg; break;
		case O_WARD: o.ward = optarg; break;
		case O_NAME: o.name = optarg; break;
		case O_OBO: o.obo = optarg; break;
		case O_KID: o.kid = optarg; break;
		case O_ISS: o.iss = optarg; break;
		case O_KEY: o.key_path = optarg; break;
		case O_AUD:
			if (o.naud == MAX_AUD) {
				fprintf(stderr,
				    "hues-token: at most %d --aud\n", MAX_AUD);
				return 2;
			}
			aud[o.naud++] = optarg;
			break;
		case O_TTL:
			if (parse_seconds(optarg, &o.ttl_s) != 0) {
				fprintf(stderr,
				    "hues-token: invalid --ttl '%s' (seconds, "
				    "at most ten years either way)\n",
				    optarg);
				return 2;
			}
			break;
		case O_NBF:
			if (parse_seconds(optarg, &o.nbf_offset_s) != 0) {
				fprintf(stderr,
				    "hues-token: invalid --nbf-offset '%s' "
				    "(seconds)\n",
				    optarg);
				return 2;
			}
			o.nbf = true;
			break;
		case O_ALG:
			if ((o.alg = auth_alg_parse(optarg)) == 0) {
				fprintf(stderr,
				    "hues-token: unknown --alg '%s' (HS256, "
				    "RS256 or ES256)\n",
				    optarg);
				return 2;
			}
			break;
		case 'h':
		case O_HELP: usage(stdout); return 0;
		default:
			fprintf(stderr,
			    "hues-token: unknown option or missing value: %s "
			    "(see --help)\n",
			    argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hues-token: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	if (o.key_path == NULL || o.sub == NULL || o.role == NULL) {
		fprintf(stderr, "hues-token: --key, --sub and --role are "
		                "required (see --help)\n");
		return 2;
	}
	o.aud = aud;
	if (auth_mint(&o, err, sizeof(err), &token) != HUES_OK) {
		fprintf(stderr, "hues-token: %s\n", err);
		return 1;
	}
	printf("%s\n", token);
	free(token);
	return 0;
}
