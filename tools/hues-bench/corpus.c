/*
 * corpus.c - the generated reports of hues-bench. Categories, attributes
 * and wards come from the server's default catalog itself, so a request
 * stays valid when the catalog changes; the words (titles, descriptions,
 * streets of Huế) and how often each category is reported are ours.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"
#include "hues/hues.h"
#include "svc/feedback/catalog.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* More than any category of the default catalog has. */
#define MAX_ATTRS  FEEDBACK_MAX_ATTRS
#define MAX_VALUES 8
#define MAX_MEDIA  3

/* ----- random numbers ------------------------------------------------------
 */

uint64_t
corpus_rand(corpus_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z          = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double
corpus_unit(corpus_rng *r)
{
	return (double) (corpus_rand(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint32_t
corpus_below(corpus_rng *r, uint32_t n)
{
	return (uint32_t) (((corpus_rand(r) >> 32) * n) >> 32);
}

static const char *
pick(corpus_rng *r, const char *const *list, size_t n)
{
	return list[corpus_below(r, (uint32_t) n)];
}

#define PICK(r, list) pick(r, list, N(list))

void
corpus_point(corpus_rng *r, double *lat, double *lon)
{
	const double sigma = 0.018;
	double       dy, dx;

	if (corpus_unit(r) < 0.55) {
		/* Box-Muller, redrawn until inside the square. */
		do {
			double u = 1.0 - corpus_unit(r), v = corpus_unit(r);
			double m = sigma * sqrt(-2.0 * log(u));
			dy       = m * cos(2 * M_PI * v);
			dx       = m * sin(2 * M_PI * v);
		} while (fabs(dy) > CORPUS_SPREAD_DEG ||
		         fabs(dx) > CORPUS_SPREAD_DEG);
	} else {
		dy = (2 * corpus_unit(r) - 1) * CORPUS_SPREAD_DEG;
		dx = (2 * corpus_unit(r) - 1) * CORPUS_SPREAD_DEG;
	}
	*lat = CORPUS_CENTRE_LAT + dy;
	*lon = CORPUS_CENTRE_LON + dx;
}

/* ----- words -----------------------------------------------------------------
 */

static const char *const streets[] = { "Lê Lợi", "Hùng Vương", "Trần Hưng Đạo",
	"Nguyễn Huệ", "Hà Nội", "Bà Triệu", "Điện Biên Phủ", "Lý Thường Kiệt",
	"Nguyễn Trãi", "Đinh Tiên Hoàng", "Mai Thúc Loan", "Nguyễn Chí Thanh",
	"Phan Đình Phùng", "Trường Chinh", "Tố Hữu", "Võ Văn Kiệt", "Lê Duẩn",
	"Chi Lăng", "Nguyễn Sinh Cung", "Kim Long", "Bùi Thị Xuân", "Đống Đa",
	"Phạm Văn Đồng", "Nguyễn Tri Phương", "Ngô Quyền", "Hai Bà Trưng",
	"Nguyễn Công Trứ", "Phan Chu Trinh", "Trần Phú", "Chu Văn An",
	"An Dương Vương", "Dương Văn An", "Ông Ích Khiêm", "Lê Huân",
	"Hàn Thuyên", "Đặng Thái Thân", "Nguyễn Văn Linh", "Thanh Niên",
	"Lê Thánh Tôn", "Minh Mạng" };

/* How often residents report each category, in parts: the common ones
 * (roads, garbage, lights, flooding) first. Categories of the catalog
 * that are not listed weigh 2; listed ones the catalog lacks are skipped.
 * Each has two titles (%s: a street) and one sentence of detail. */
static const struct {
	const char *code;
	unsigned    weight;
	const char *title[2];
	const char *detail;
} kinds[] = {
	{ "road.pothole", 12,
	    { "Ổ gà lớn trên đường %s", "Mặt đường %s bị sụt lún, hư hỏng" },
	    "Ổ gà sâu, xe máy đi qua dễ bị té ngã." },
	{ "road.traffic_light", 3,
	    { "Đèn tín hiệu tại ngã tư %s không hoạt động",
	        "Đèn giao thông đường %s chỉ nháy vàng" },
	    "Xe cộ đi lại lộn xộn, suýt xảy ra va chạm." },
	{ "road.sign", 2,
	    { "Biển báo trên đường %s bị cây che khuất",
	        "Biển báo giao thông đường %s bị gãy đổ" },
	    "Người đi đường không nhìn thấy biển báo." },
	{ "road.sidewalk", 4,
	    { "Vỉa hè đường %s bị bong tróc gạch",
	        "Vỉa hè %s hư hỏng, khó đi bộ" },
	    "Gạch lát vỉa hè vỡ nhiều chỗ, người già đi lại khó khăn." },
	{ "light.out", 10,
	    { "Đèn đường %s không sáng nhiều đêm liền",
	        "Cả dãy đèn chiếu sáng đường %s bị tắt" },
	    "Buổi tối đoạn đường rất tối, tiềm ẩn nguy cơ mất an ninh." },
	{ "waste.uncollected", 12,
	    { "Rác thải ùn ứ trên đường %s chưa được thu gom",
	        "Điểm tập kết rác đường %s bốc mùi hôi thối" },
	    "Rác để lâu ngày, ruồi nhặng nhiều, mùi hôi bay vào nhà dân." },
	{ "waste.illegal_dumping", 6,
	    { "Đổ xà bần trái phép ven đường %s",
	        "Có người đổ trộm rác thải tại đường %s" },
	    "Xà bần đổ thành đống lớn, lấn ra cả lòng đường." },
	{ "env.pollution", 5,
	    { "Khói bụi từ công trình trên đường %s",
	        "Tiếng ồn kéo dài về đêm tại đường %s" },
	    "Ảnh hưởng đến sức khỏe và sinh hoạt của các hộ dân xung quanh." },
	{ "water.outage", 5,
	    { "Mất nước sinh hoạt nhiều ngày tại đường %s",
	        "Nước máy yếu, không lên được tầng hai ở đường %s" },
	    "Gia đình phải đi xin nước của hàng xóm để dùng." },
	{ "water.leak", 4,
	    { "Vỡ ống cấp nước trên đường %s",
	        "Rò rỉ đường ống nước trên đường %s" },
	    "Nước chảy lênh láng ra đường, gây lãng phí." },
	{ "water.quality", 2,
	    { "Nước máy có màu vàng đục tại đường %s",
	        "Nước sinh hoạt có mùi lạ ở đường %s" },
	    "Nước để lắng vẫn còn cặn, không dám dùng để nấu ăn." },
	{ "drain.flooding", 8,
	    { "Ngập sâu trên đường %s sau cơn mưa lớn",
	        "Đường %s ngập úng, nhiều xe chết máy" },
	    "Nước ngập quá bánh xe, rút rất chậm." },
	{ "drain.blocked", 5,
	    { "Cống thoát nước đường %s bị tắc nghẽn",
	        "Mương thoát nước ở đường %s ứ đọng, bốc mùi" },
	    "Mỗi lần mưa là nước tràn lên mặt đường." },
	{ "drain.manhole", 3,
	    { "Mất nắp hố ga trên đường %s", "Nắp cống trên đường %s bị vỡ" },
	    "Hố ga không có nắp, rất nguy hiểm cho trẻ em." },
	{ "order.illegal_construction", 3,
	    { "Công trình xây dựng không phép trên đường %s",
	        "Nhà xây sai phép, lấn ra kiệt đường %s" },
	    "Công trình thi công cả ngày lẫn đêm, không treo biển báo." },
	{ "order.encroachment", 7,
	    { "Buôn bán lấn chiếm vỉa hè đường %s",
	        "Quán nhậu lấn chiếm lòng đường %s" },
	    "Người đi bộ phải đi xuống lòng đường." },
	{ "order.illegal_ads", 2,
	    { "Quảng cáo rao vặt dán tràn lan đường %s",
	        "Tờ rơi dán kín cột điện trên đường %s" },
	    "Gây mất mỹ quan đô thị." },
	{ "tree.fallen", 4,
	    { "Cây xanh gãy đổ chắn ngang đường %s",
	        "Cây trên đường %s có nguy cơ gãy đổ" },
	    "Cành cây lớn đã mục, gió mạnh là có thể rơi xuống." },
	{ "park.damage", 2,
	    { "Ghế đá công viên đường %s bị hư hỏng",
	        "Sân chơi trẻ em gần đường %s xuống cấp" },
	    "Nhiều thiết bị đã gãy, trẻ em chơi dễ bị thương." },
	{ "security.public_order", 3,
	    { "Thanh niên tụ tập gây rối về đêm trên đường %s",
	        "Đua xe trái phép trên đường %s" },
	    "Tình trạng diễn ra thường xuyên sau 23 giờ." },
	{ "power.outage", 4,
	    { "Mất điện kéo dài tại khu vực đường %s",
	        "Cúp điện không báo trước ở đường %s" },
	    "Trời nắng nóng, người già và trẻ nhỏ rất mệt." },
	{ "power.hazard", 2,
	    { "Dây điện võng thấp trên đường %s",
	        "Trụ điện nghiêng nguy hiểm trên đường %s" },
	    "Có nguy cơ gây tai nạn điện cho người đi đường." },
	{ "telecom.cable", 2,
	    { "Cáp viễn thông treo thấp, chằng chịt trên đường %s",
	        "Dây cáp rơi xuống lòng đường %s" },
	    "Xe tải đi qua dễ vướng vào dây cáp." },
	{ "consumer.goods", 1,
	    { "Cửa hàng trên đường %s bán hàng giả",
	        "Bán sai giá niêm yết gần đường %s" },
	    "Nhiều du khách phản ánh bị chặt chém." },
	{ "consumer.food_safety", 1,
	    { "Quán ăn trên đường %s không đảm bảo vệ sinh",
	        "Nghi ngộ độc thực phẩm sau khi ăn ở đường %s" },
	    "Khu vực chế biến bẩn, thực phẩm không rõ nguồn gốc." },
	{ "other", 3,
	    { "Kiến nghị về tình trạng mất vệ sinh tại đường %s",
	        "Đề nghị bổ sung thùng rác công cộng trên đường %s" },
	    "Mong chính quyền quan tâm." },
};

static const char *const closings[] = {
	"Tình trạng này đã kéo dài nhiều ngày nhưng chưa được xử lý.",
	"Gây nguy hiểm cho người tham gia giao thông, nhất là vào ban đêm.",
	"Đề nghị cơ quan chức năng sớm kiểm tra, xử lý.",
	"Người dân trong khu vực rất bức xúc, mong được quan tâm giải quyết.",
	"Tôi đã gọi tổng đài nhưng chưa thấy khắc phục.",
	"Kính đề nghị các đơn vị liên quan xem xét.",
	"Sáng nay đi qua thấy tình hình vẫn như cũ.",
	"Khu vực này gần trường học nên rất đông học sinh qua lại.",
	"Xin cảm ơn.",
};

/* ----- the catalog, weighed
 * ----------------------------------------------------
 */

struct corpus {
	feedback_catalog         *cat;
	const feedback_category **cats; /* active ones */
	int                      *kind; /* index in kinds[], or -1 */
	double                   *cum;  /* cumulative weights */
	size_t                    ncats;
	const feedback_ward     **wards; /* active ones */
	size_t                    nwards;
};

static int
kind_of(const char *code)
{
	for (size_t i = 0; i < N(kinds); i++) {
		if (strcmp(kinds[i].code, code) == 0) {
			return (int) i;
		}
	}
	return -1;
}

int
corpus_create(corpus **out, char *why, size_t whylen)
{
	corpus *c = calloc(1, sizeof(*c));
	if (c == NULL || feedback_catalog_default(&c->cat) != HUES_OK) {
		snprintf(why, whylen, "cannot build the default catalog");
		free(c);
		return -1;
	}
	size_t nc = feedback_catalog_ncategories(c->cat);
	size_t nw = feedback_catalog_nwards(c->cat);
	c->cats   = calloc(nc + 1, sizeof(*c->cats));
	c->kind   = calloc(nc + 1, sizeof(*c->kind));
	c->cum    = calloc(nc + 1, sizeof(*c->cum));
	c->wards  = calloc(nw + 1, sizeof(*c->wards));
	if (c->cats == NULL || c->kind == NULL || c->cum == NULL ||
	    c->wards == NULL) {
		snprintf(why, whylen, "out of memory");
		corpus_destroy(c);
		return -1;
	}
	double total = 0;
	for (size_t i = 0; i < nc; i++) {
		const feedback_category *k =
		    feedback_catalog_category_at(c->cat, i);
		if (!k->active) {
			continue;
		}
		int ki = kind_of(k->code);
		total += ki >= 0 ? kinds[ki].weight : 2;
		c->cats[c->ncats] = k;
		c->kind[c->ncats] = ki;
		c->cum[c->ncats]  = total;
		c->ncats++;
	}
	for (size_t i = 0; i < nw; i++) {
		const feedback_ward *w = feedback_catalog_ward_at(c->cat, i);
		if (w->active) {
			c->wards[c->nwards++] = w;
		}
	}
	if (c->ncats == 0) {
		snprintf(why, whylen,
		    "the default catalog has no active "
		    "category");
		corpus_destroy(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
corpus_destroy(corpus *c)
{
	if (c == NULL) {
		return;
	}
	feedback_catalog_destroy(c->cat);
	free(c->cats);
	free(c->kind);
	free(c->cum);
	free(c->wards);
	free(c);
}

static size_t
pick_category(const corpus *c, corpus_rng *r)
{
	double x  = corpus_unit(r) * c->cum[c->ncats - 1];
	size_t lo = 0, hi = c->ncats - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->cum[mid] > x) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

/* ----- building one request ------------------------------------------------
 */

/* The strings of one request, bump-allocated. */
typedef struct sbuf {
	char   b[8192];
	size_t used;
} sbuf;

__attribute__((format(printf, 2, 3))) static char *
sb_printf(sbuf *s, const char *fmt, ...)
{
	va_list ap;
	size_t  room = sizeof(s->b) - s->used;
	char   *p    = s->b + s->used;

	va_start(ap, fmt);
	int n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= room) {
		return (char *) ""; /* never with our short strings */
	}
	s->used += (size_t) n + 1;
	return p;
}

/* tmpl with its one "%s" replaced by what. */
static char *
sb_subst(sbuf *s, const char *tmpl, const char *what)
{
	const char *at = strstr(tmpl, "%s");
	if (at == NULL) {
		return sb_printf(s, "%s", tmpl);
	}
	return sb_printf(s, "%.*s%s%s", (int) (at - tmpl), tmpl, what, at + 2);
}

/* A value of a string attribute, by what its code asks for. */
static char *
string_value(sbuf *s, corpus_rng *r, const char *code)
{
	if (strcmp(code, "intersection") == 0) {
		return sb_printf(
		    s, "Ngã tư %s - %s", PICK(r, streets), PICK(r, streets));
	}
	if (strcmp(code, "pole_number") == 0) {
		return sb_printf(s, "CS-%04u", 1 + corpus_below(r, 9999));
	}
	if (strcmp(code, "customer_code") == 0) {
		return sb_printf(s, "KH%08u", corpus_below(r, 100000000));
	}
	if (strcmp(code, "shop") == 0) {
		static const char *const shops[] = { "Cửa hàng tạp hóa",
			"Quán cơm", "Quán bún bò", "Tiệm bánh", "Sạp chợ" };
		return sb_printf(s, "%s %s", PICK(r, shops), PICK(r, streets));
	}
	return sb_printf(s, "Không rõ");
}

static char *
number_value(sbuf *s, corpus_rng *r, const char *code)
{
	if (strcmp(code, "depth_cm") == 0) {
		return sb_printf(s, "%u", 10 + corpus_below(r, 71));
	}
	if (strcmp(code, "lights_out") == 0) {
		return sb_printf(s, "%u", 1 + corpus_below(r, 6));
	}
	return sb_printf(s, "%u", 1 + corpus_below(r, 10));
}

/* A time in the last three days, in local time (UTC+7, RFC 3339). */
static char *
datetime_value(sbuf *s, corpus_rng *r)
{
	time_t t = time(NULL) - (time_t) corpus_below(r, 3 * 86400) + 7 * 3600;
	struct tm tm;
	char      tmp[40];
	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S+07:00", &tm);
	return sb_printf(s, "%s", tmp);
}

/* The values of attribute d: required ones always, others half the time.
 * Returns the number of values, 0 to leave the attribute out. */
static size_t
attr_values(sbuf *s, corpus_rng *r, const feedback_attr_def *d, char **v)
{
	if (!d->required && corpus_unit(r) < 0.5) {
		return 0;
	}
	switch (d->type) {
	case FEEDBACK_ATTR_SINGLEVALUELIST:
		v[0] =
		    (char *) d->options[corpus_below(r, (uint32_t) d->noptions)]
		        .key;
		return 1;
	case FEEDBACK_ATTR_MULTIVALUELIST: {
		/* A random non-empty subset, in option order (distinct). */
		size_t n     = 0;
		size_t first = corpus_below(r, (uint32_t) d->noptions);
		for (size_t i = 0; i < d->noptions && n < MAX_VALUES; i++) {
			if (i == first || corpus_unit(r) < 0.3) {
				v[n++] = (char *) d->options[i].key;
			}
		}
		return n;
	}
	case FEEDBACK_ATTR_NUMBER: v[0] = number_value(s, r, d->code); return 1;
	case FEEDBACK_ATTR_DATETIME: v[0] = datetime_value(s, r); return 1;
	case FEEDBACK_ATTR_TEXT:
		v[0] = sb_printf(s, "%s", PICK(r, closings));
		return 1;
	case FEEDBACK_ATTR_STRING:
	default: v[0] = string_value(s, r, d->code); return 1;
	}
}

/* Where the 8 bytes of a double field (tag, then the value) sit in a
 * packed message; 0 when not found exactly once. */
static size_t
find_double(const uint8_t *p, size_t n, uint8_t tag, double v)
{
	uint8_t pat[9];
	size_t  at = 0, hits = 0;
	pat[0] = tag;
	memcpy(pat + 1, &v, 8); /* little-endian, as on the wire */
	for (size_t i = 0; i + sizeof(pat) <= n; i++) {
		if (memcmp(p + i, pat, sizeof(pat)) == 0) {
			at = i + 1;
			hits++;
		}
	}
	return hits == 1 ? at : 0;
}

static void
add_media(sbuf *s, corpus_rng *r, Hues__V1__SubmitReportRequest *req,
    Hues__V1__MediaRef *m, Hues__V1__MediaRef **mp)
{
	static const unsigned dist[10] = { 0, 0, 0, 1, 1, 1, 1, 2, 2, 3 };
	size_t                n        = dist[corpus_below(r, 10)];
	for (size_t i = 0; i < n; i++) {
		hues__v1__media_ref__init(&m[i]);
		m[i].source_case = HUES__V1__MEDIA_REF__SOURCE_URL;
		m[i].url = sb_printf(s, "https://media.example/hue/%016llx.jpg",
		    (unsigned long long) corpus_rand(r));
		m[i].content_type = (char *) "image/jpeg";
		mp[i]             = &m[i];
	}
	req->n_media = n;
	req->media   = mp;
}

bool
corpus_report_make(const corpus *c, corpus_rng *r, corpus_report *out)
{
	static _Thread_local sbuf     s;
	Hues__V1__SubmitReportRequest req =
	    HUES__V1__SUBMIT_REPORT_REQUEST__INIT;
	Hues__V1__Location       loc = HUES__V1__LOCATION__INIT;
	Hues__V1__GeoPoint       pt  = HUES__V1__GEO_POINT__INIT;
	Hues__V1__MediaRef       media[MAX_MEDIA], *mediap[MAX_MEDIA];
	Hues__V1__AttributeValue av[MAX_ATTRS], *avp[MAX_ATTRS];
	char                    *vals[MAX_ATTRS][MAX_VALUES];

	s.used                          = 0;
	size_t                   i      = pick_category(c, r);
	const feedback_category *k      = c->cats[i];
	int                      ki     = c->kind[i];
	const char              *street = PICK(r, streets);

	req.category = (char *) k->code;
	if (ki >= 0) {
		req.title =
		    sb_subst(&s, kinds[ki].title[corpus_below(r, 2)], street);
	} else {
		req.title =
		    sb_printf(&s, "%s trên đường %s", k->name_vi, street);
	}
	/* A detail, then one or two closing sentences. */
	const char *detail = ki >= 0 ? kinds[ki].detail : "";
	const char *c1 = PICK(r, closings), *c2 = PICK(r, closings);
	bool        two = c2 != c1 && corpus_unit(r) < 0.5;
	req.description = sb_printf(&s, "%s%s%s%s%s", detail,
	    detail[0] != '\0' ? " " : "", c1, two ? " " : "", two ? c2 : "");

	const feedback_ward *w =
	    c->nwards > 0 && corpus_unit(r) < 0.7
	        ? c->wards[corpus_below(r, (uint32_t) c->nwards)]
	        : NULL;
	corpus_point(r, &pt.latitude, &pt.longitude);
	loc.point     = &pt;
	loc.ward_code = w != NULL ? (char *) w->code : (char *) "";
	loc.address =
	    sb_printf(&s, "%u %s, %s%sthành phố Huế", 1 + corpus_below(r, 250),
	        street, w != NULL ? w->name : "", w != NULL ? ", " : "");
	req.location = &loc;
	add_media(&s, r, &req, media, mediap);

	size_t na = 0;
	for (size_t a = 0; a < k->nattrs && na < MAX_ATTRS; a++) {
		size_t nv = attr_values(&s, r, &k->attrs[a], vals[na]);
		if (nv == 0) {
			continue;
		}
		hues__v1__attribute_value__init(&av[na]);
		av[na].code     = (char *) k->attrs[a].code;
		av[na].values   = vals[na];
		av[na].n_values = nv;
		avp[na]         = &av[na];
		na++;
	}
	req.attributes   = avp;
	req.n_attributes = na;
	req.hide_name    = corpus_unit(r) < 0.1;

	const feedback_agency *ag;
	out->routable = feedback_catalog_route(c->cat, k->code,
	                    w != NULL ? w->code : NULL, &ag) == HUES_OK;
	out->len      = hues__v1__submit_report_request__get_packed_size(&req);
	out->data     = malloc(out->len);
	if (out->data == NULL) {
		return false;
	}
	hues__v1__submit_report_request__pack(&req, out->data);
	/* GeoPoint: latitude is field 1 (tag 0x09), longitude field 2
	 * (0x11), both fixed 64-bit. */
	out->lat_off = find_double(out->data, out->len, 0x09, pt.latitude);
	out->lon_off = find_double(out->data, out->len, 0x11, pt.longitude);
	return true;
}

const char *
corpus_fallback_agency(const corpus *c)
{
	const feedback_agency *a =
	    feedback_catalog_agency(c->cat, "ubnd-tp-hue");
	if (a != NULL && a->active) {
		return a->id;
	}
	for (size_t i = 0; i < feedback_catalog_nagencies(c->cat); i++) {
		a = feedback_catalog_agency_at(c->cat, i);
		if (a->active) {
			return a->id;
		}
	}
	return NULL;
}
