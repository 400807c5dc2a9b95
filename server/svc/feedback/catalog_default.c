/*
 * catalog_default.c - the embedded default catalog: a realistic demo for
 * Huế, with the twelve groups of reports a Vietnamese city handles, the
 * agencies that answer them and a demo set of wards with their offices.
 * The agency names are real institutions; the codes, the ward list and
 * the routing are a demonstration that admins replace with their own.
 */
#include <stdio.h>

#include "hues/status.h"
#include "svc/feedback/catalog.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ----- attribute options ---------------------------------------------------
 */

static const feedback_attr_option yes_no[] = {
	{ "yes", "Có", "Yes" },
	{ "no", "Không", "No" },
};

static const feedback_attr_option pothole_size[] = {
	{ "small", "Nhỏ (dưới 30 cm)", "Small (under 30 cm)" },
	{ "medium", "Vừa (30 cm đến 1 m)", "Medium (30 cm to 1 m)" },
	{ "large", "Lớn (trên 1 m)", "Large (over 1 m)" },
};

static const feedback_attr_option pollution_kind[] = {
	{ "smoke", "Khói", "Smoke" },
	{ "dust", "Bụi", "Dust" },
	{ "odour", "Mùi hôi", "Odour" },
	{ "noise", "Tiếng ồn", "Noise" },
	{ "wastewater", "Nước thải", "Wastewater" },
};

static const feedback_attr_option water_symptom[] = {
	{ "colour", "Nước có màu, đục", "Discoloured or cloudy" },
	{ "smell", "Có mùi lạ", "Unusual smell" },
	{ "taste", "Có vị lạ", "Unusual taste" },
};

static const feedback_attr_option construction_stage[] = {
	{ "foundation", "Đang làm móng", "Foundations" },
	{ "structure", "Đang xây thô", "Structure" },
	{ "finishing", "Đang hoàn thiện", "Finishing" },
};

static const feedback_attr_option tree_blocking[] = {
	{ "road", "Lòng đường", "Roadway" },
	{ "sidewalk", "Vỉa hè", "Sidewalk" },
	{ "power_lines", "Đường dây điện", "Power lines" },
	{ "house", "Nhà dân", "Houses" },
};

static const feedback_attr_option order_kind[] = {
	{ "disturbance", "Tụ tập gây rối", "Disturbance" },
	{ "street_racing", "Đua xe trái phép", "Street racing" },
	{ "theft", "Trộm cắp", "Theft" },
	{ "other", "Khác", "Other" },
};

static const feedback_attr_option telecom_operator[] = {
	{ "vnpt", "VNPT", "VNPT" },
	{ "viettel", "Viettel", "Viettel" },
	{ "fpt", "FPT Telecom", "FPT Telecom" },
	{ "other", "Đơn vị khác", "Another operator" },
	{ "unknown", "Không rõ", "Unknown" },
};

/* ----- attributes ------------------------------------------------------------
 */

#define LIST(t, opts) FEEDBACK_ATTR_##t, .options = opts, .noptions = N(opts)

static const feedback_attr_def pothole_attrs[] = {
	{ .code             = "size",
	    .type           = LIST(SINGLEVALUELIST, pothole_size),
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Kích thước",
	    .description_en = "Size" },
	{ .code             = "lane_blocked",
	    .type           = LIST(SINGLEVALUELIST, yes_no),
	    .order          = 2,
	    .description_vi = "Gây cản trở giao thông",
	    .description_en = "Blocks traffic" },
};

static const feedback_attr_def traffic_light_attrs[] = {
	{ .code             = "intersection",
	    .type           = FEEDBACK_ATTR_STRING,
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Giao lộ",
	    .description_en = "Intersection" },
};

static const feedback_attr_def light_attrs[] = {
	{ .code             = "pole_number",
	    .type           = FEEDBACK_ATTR_STRING,
	    .order          = 1,
	    .description_vi = "Số hiệu cột đèn",
	    .description_en = "Pole number" },
	{ .code             = "lights_out",
	    .type           = FEEDBACK_ATTR_NUMBER,
	    .order          = 2,
	    .description_vi = "Số bóng không sáng",
	    .description_en = "Number of lights out" },
};

static const feedback_attr_def garbage_attrs[] = {
	{ .code             = "days",
	    .type           = FEEDBACK_ATTR_NUMBER,
	    .order          = 1,
	    .description_vi = "Số ngày chưa thu gom",
	    .description_en = "Days uncollected" },
};

static const feedback_attr_def pollution_attrs[] = {
	{ .code             = "kind",
	    .type           = LIST(MULTIVALUELIST, pollution_kind),
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Loại ô nhiễm",
	    .description_en = "Kind of pollution" },
};

static const feedback_attr_def water_outage_attrs[] = {
	{ .code             = "since",
	    .type           = FEEDBACK_ATTR_DATETIME,
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Mất nước từ lúc",
	    .description_en = "Without water since" },
	{ .code             = "customer_code",
	    .type           = FEEDBACK_ATTR_STRING,
	    .order          = 2,
	    .description_vi = "Mã khách hàng",
	    .description_en = "Customer code" },
};

static const feedback_attr_def water_quality_attrs[] = {
	{ .code             = "symptom",
	    .type           = LIST(MULTIVALUELIST, water_symptom),
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Biểu hiện",
	    .description_en = "Symptoms" },
};

static const feedback_attr_def flooding_attrs[] = {
	{ .code             = "depth_cm",
	    .type           = FEEDBACK_ATTR_NUMBER,
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Độ sâu ngập (cm)",
	    .description_en = "Water depth (cm)" },
};

static const feedback_attr_def construction_attrs[] = {
	{ .code             = "stage",
	    .type           = LIST(SINGLEVALUELIST, construction_stage),
	    .order          = 1,
	    .description_vi = "Giai đoạn thi công",
	    .description_en = "Construction stage" },
	{ .code             = "permit_sign",
	    .type           = LIST(SINGLEVALUELIST, yes_no),
	    .order          = 2,
	    .description_vi = "Có biển báo giấy phép xây dựng",
	    .description_en = "A building permit sign is shown" },
};

static const feedback_attr_def tree_attrs[] = {
	{ .code             = "blocking",
	    .type           = LIST(MULTIVALUELIST, tree_blocking),
	    .order          = 1,
	    .description_vi = "Ảnh hưởng đến",
	    .description_en = "Blocking" },
};

static const feedback_attr_def order_attrs[] = {
	{ .code             = "kind",
	    .type           = LIST(SINGLEVALUELIST, order_kind),
	    .required       = true,
	    .order          = 1,
	    .description_vi = "Loại vụ việc",
	    .description_en = "Kind of incident" },
};

static const feedback_attr_def power_attrs[] = {
	{ .code             = "since",
	    .type           = FEEDBACK_ATTR_DATETIME,
	    .order          = 1,
	    .description_vi = "Mất điện từ lúc",
	    .description_en = "Without power since" },
	{ .code             = "customer_code",
	    .type           = FEEDBACK_ATTR_STRING,
	    .order          = 2,
	    .description_vi = "Mã khách hàng",
	    .description_en = "Customer code" },
};

static const feedback_attr_def cable_attrs[] = {
	{ .code             = "operator",
	    .type           = LIST(SINGLEVALUELIST, telecom_operator),
	    .order          = 1,
	    .description_vi = "Đơn vị sở hữu cáp",
	    .description_en = "Cable operator" },
};

static const feedback_attr_def shop_attrs[] = {
	{ .code             = "shop",
	    .type           = FEEDBACK_ATTR_STRING,
	    .order          = 1,
	    .description_vi = "Tên cửa hàng, cơ sở",
	    .description_en = "Shop or establishment" },
};

#undef LIST

/* ----- keywords --------------------------------------------------------------
 */

#define KW(name, ...) static const char *const name[] = { __VA_ARGS__ }
KW(kw_pothole, "ổ gà", "o ga", "hư hỏng mặt đường", "sụt lún", "pothole");
KW(kw_traffic_light, "đèn giao thông", "đèn tín hiệu", "den xanh den do");
KW(kw_sign, "biển báo", "bien bao", "traffic sign");
KW(kw_sidewalk, "vỉa hè", "via he", "gạch lát");
KW(kw_light, "đèn đường", "den duong", "chiếu sáng", "street light");
KW(kw_garbage, "rác", "rac", "thu gom rác", "garbage");
KW(kw_dumping, "xà bần", "đổ trộm", "rác thải", "dumping");
KW(kw_pollution, "ô nhiễm", "o nhiem", "khói", "bụi", "tiếng ồn", "mùi hôi");
KW(kw_water_outage, "mất nước", "mat nuoc", "nước yếu");
KW(kw_water_leak, "vỡ ống", "rò rỉ", "bể ống nước");
KW(kw_water_quality, "nước đục", "nước bẩn", "chất lượng nước");
KW(kw_flooding, "ngập", "ngap", "ngập úng", "lụt", "flood");
KW(kw_drain, "cống", "tắc cống", "mương", "drain");
KW(kw_manhole, "nắp cống", "hố ga", "manhole");
KW(kw_construction, "xây dựng trái phép", "sai phép", "xay dung");
KW(kw_encroachment, "lấn chiếm", "buôn bán vỉa hè", "lan chiem");
KW(kw_ads, "quảng cáo", "rao vặt", "tờ rơi");
KW(kw_tree, "cây đổ", "cay do", "gãy cành", "cây xanh");
KW(kw_park, "công viên", "ghế đá", "sân chơi");
KW(kw_order, "an ninh", "trật tự", "gây rối", "đua xe", "trộm");
KW(kw_power_outage, "mất điện", "mat dien", "cúp điện");
KW(kw_power_hazard, "dây điện", "trụ điện", "chập điện");
KW(kw_cable, "cáp viễn thông", "dây cáp", "cap treo");
KW(kw_fake_goods, "hàng giả", "sai giá", "chặt chém");
KW(kw_food, "thực phẩm", "ngộ độc", "vệ sinh an toàn thực phẩm");
KW(kw_other, "khác", "khac");
#undef KW

/* ----- categories ------------------------------------------------------------
 */

#define ATTRS(a) .attrs = a, .nattrs = N(a)
#define KWS(k)   .keywords = k, .nkeywords = N(k)

static const feedback_category categories[] = {
	{ "road.pothole", "Ổ gà, hư hỏng mặt đường",
	    "Pothole or damaged road surface", "roads_traffic", KWS(kw_pothole),
	    .default_agency = "so-gtvt", ATTRS(pothole_attrs) },
	{ "road.traffic_light", "Đèn tín hiệu giao thông hỏng",
	    "Traffic light out of order", "roads_traffic",
	    KWS(kw_traffic_light), .default_agency = "so-gtvt",
	    .ack_minutes = 15, .resolve_days = 2, ATTRS(traffic_light_attrs) },
	{ "road.sign", "Biển báo giao thông hư hỏng, bị che khuất",
	    "Damaged or hidden traffic sign", "roads_traffic", KWS(kw_sign),
	    .default_agency = "so-gtvt" },
	{ "road.sidewalk", "Vỉa hè hư hỏng", "Damaged sidewalk",
	    "roads_traffic", KWS(kw_sidewalk), .default_agency = "so-xd" },
	{ "light.out", "Đèn chiếu sáng công cộng không sáng",
	    "Street light out", "street_lighting", KWS(kw_light),
	    .default_agency = "hepco", .resolve_days = 3, ATTRS(light_attrs) },
	{ "waste.uncollected", "Rác thải không được thu gom",
	    "Uncollected garbage", "waste_environment", KWS(kw_garbage),
	    .default_agency = "hepco", .resolve_days = 2,
	    ATTRS(garbage_attrs) },
	{ "waste.illegal_dumping", "Đổ rác, xà bần trái phép",
	    "Illegal dumping of waste or rubble", "waste_environment",
	    KWS(kw_dumping), .default_agency = "so-tnmt",
	    .anonymous_allowed = true },
	{ "env.pollution", "Ô nhiễm môi trường (khói, bụi, mùi, tiếng ồn)",
	    "Pollution (smoke, dust, odour, noise)", "waste_environment",
	    KWS(kw_pollution), .default_agency = "so-tnmt",
	    .anonymous_allowed = true, ATTRS(pollution_attrs) },
	{ "water.outage", "Mất nước, nước yếu", "No water or low pressure",
	    "water_supply", KWS(kw_water_outage), .default_agency = "huewaco",
	    .resolve_days = 2, ATTRS(water_outage_attrs) },
	{ "water.leak", "Vỡ, rò rỉ đường ống cấp nước",
	    "Burst or leaking water main", "water_supply", KWS(kw_water_leak),
	    .default_agency = "huewaco", .ack_minutes = 15, .resolve_days = 2 },
	{ "water.quality", "Chất lượng nước máy bất thường",
	    "Tap water quality problem", "water_supply", KWS(kw_water_quality),
	    .default_agency = "huewaco", .resolve_days = 3,
	    ATTRS(water_quality_attrs) },
	{ "drain.flooding", "Ngập úng đường phố", "Street flooding",
	    "drainage_flooding", KWS(kw_flooding), .default_agency = "so-xd",
	    .ack_minutes = 15, .resolve_days = 3, ATTRS(flooding_attrs) },
	{ "drain.blocked", "Cống rãnh tắc nghẽn", "Blocked drain",
	    "drainage_flooding", KWS(kw_drain), .default_agency = "hepco",
	    .resolve_days = 5 },
	{ "drain.manhole", "Nắp cống, hố ga hư hỏng hoặc bị mất",
	    "Broken or missing manhole cover", "drainage_flooding",
	    KWS(kw_manhole), .default_agency = "hepco", .ack_minutes = 15,
	    .resolve_days = 2 },
	{ "order.illegal_construction", "Xây dựng trái phép, sai phép",
	    "Illegal construction", "urban_order", KWS(kw_construction),
	    .default_agency = "ubnd-tp-hue", .ack_minutes = 60,
	    .resolve_days = 10, .anonymous_allowed = true,
	    ATTRS(construction_attrs) },
	{ "order.encroachment", "Lấn chiếm vỉa hè, lòng đường",
	    "Sidewalk or roadway encroachment", "urban_order",
	    KWS(kw_encroachment), .default_agency = "ubnd-tp-hue",
	    .resolve_days = 5 },
	{ "order.illegal_ads", "Quảng cáo, rao vặt trái phép",
	    "Illegal posters and advertising", "urban_order", KWS(kw_ads),
	    .default_agency = "ubnd-tp-hue", .ack_minutes = 60 },
	{ "tree.fallen", "Cây xanh gãy đổ, có nguy cơ gãy đổ",
	    "Fallen or dangerous tree", "trees_parks", KWS(kw_tree),
	    .default_agency = "hepco", .ack_minutes = 15, .resolve_days = 1,
	    ATTRS(tree_attrs) },
	{ "park.damage", "Công viên, tiện ích công cộng hư hỏng",
	    "Damaged park or public amenity", "trees_parks", KWS(kw_park),
	    .default_agency = "hepco" },
	{ "security.public_order", "An ninh trật tự, tụ tập gây rối",
	    "Public order disturbance", "public_security", KWS(kw_order),
	    .default_agency = "ca-tp-hue", .ack_minutes = 15, .resolve_days = 3,
	    .anonymous_allowed = true, ATTRS(order_attrs) },
	{ "power.outage", "Mất điện", "Power outage", "electricity",
	    KWS(kw_power_outage), .default_agency = "pc-tth", .ack_minutes = 15,
	    .resolve_days = 1, ATTRS(power_attrs) },
	{ "power.hazard", "Dây điện, trụ điện nguy hiểm",
	    "Dangerous power line or pole", "electricity", KWS(kw_power_hazard),
	    .default_agency = "pc-tth", .ack_minutes = 15, .resolve_days = 1 },
	{ "telecom.cable", "Cáp viễn thông treo thấp, chằng chịt",
	    "Low-hanging or tangled telecom cables", "telecom_cables",
	    KWS(kw_cable), .default_agency = "so-tttt", .ack_minutes = 60,
	    .resolve_days = 10, ATTRS(cable_attrs) },
	{ "consumer.goods", "Hàng giả, hàng kém chất lượng, bán sai giá",
	    "Counterfeit goods or overcharging", "consumer_protection",
	    KWS(kw_fake_goods), .default_agency = "so-ct", .ack_minutes = 60,
	    .resolve_days = 10, .anonymous_allowed = true, ATTRS(shop_attrs) },
	{ "consumer.food_safety", "Mất vệ sinh an toàn thực phẩm",
	    "Food safety", "consumer_protection", KWS(kw_food),
	    .default_agency = "so-yt", .anonymous_allowed = true,
	    ATTRS(shop_attrs) },
	/* No default agency: the centre reads it and routes it by hand. */
	{ "other", "Phản ánh khác", "Other", "other", KWS(kw_other) },
};

#undef ATTRS
#undef KWS

/* ----- agencies and wards ----------------------------------------------------
 */

#define AG(id, vi, en, parent, kind)                                   \
	{                                                              \
		id, vi, en, parent, FEEDBACK_AGENCY_##kind, NULL, true \
	}

static const feedback_agency agencies[] = {
	AG("ubnd-tinh", "UBND tỉnh Thừa Thiên Huế",
	    "Thừa Thiên Huế Provincial People's Committee", NULL, CITY_OFFICE),
	AG("ioc-hue", "Trung tâm Giám sát, điều hành đô thị thông minh (IOC)",
	    "Smart City Monitoring and Operation Centre (IOC)", "so-tttt",
	    CENTRE),
	AG("so-gtvt", "Sở Giao thông vận tải", "Department of Transport",
	    "ubnd-tinh", DEPARTMENT),
	AG("so-xd", "Sở Xây dựng", "Department of Construction", "ubnd-tinh",
	    DEPARTMENT),
	AG("so-tnmt", "Sở Tài nguyên và Môi trường",
	    "Department of Natural Resources and Environment", "ubnd-tinh",
	    DEPARTMENT),
	AG("so-ct", "Sở Công Thương", "Department of Industry and Trade",
	    "ubnd-tinh", DEPARTMENT),
	AG("so-tttt", "Sở Thông tin và Truyền thông",
	    "Department of Information and Communications", "ubnd-tinh",
	    DEPARTMENT),
	AG("so-yt", "Sở Y tế", "Department of Health", "ubnd-tinh", DEPARTMENT),
	AG("ubnd-tp-hue", "UBND thành phố Huế", "Huế City People's Committee",
	    "ubnd-tinh", CITY_OFFICE),
	AG("hepco", "Công ty Môi trường và Công trình đô thị Huế",
	    "Huế Urban Environment and Public Works Company", NULL, UTILITY),
	AG("huewaco", "Công ty Cổ phần Cấp nước Thừa Thiên Huế",
	    "Thừa Thiên Huế Water Supply JSC", NULL, UTILITY),
	AG("pc-tth", "Điện lực Thừa Thiên Huế", "Thừa Thiên Huế Power Company",
	    NULL, UTILITY),
	AG("vnpt-tth", "VNPT Thừa Thiên Huế", "VNPT Thừa Thiên Huế", NULL,
	    TELECOM),
	AG("viettel-tth", "Viettel Thừa Thiên Huế", "Viettel Thừa Thiên Huế",
	    NULL, TELECOM),
	AG("ca-tth", "Công an tỉnh Thừa Thiên Huế",
	    "Thừa Thiên Huế Provincial Police", NULL, POLICE),
	AG("ca-tp-hue", "Công an thành phố Huế", "Huế City Police", "ca-tth",
	    POLICE),
};

#undef AG

/* A demo set of wards of Huế city; each has a ward office "ubnd-<code>". */
static const struct {
	const char *code;
	const char *name; /* without "Phường" */
	const char *ascii;
} wards[] = {
	{ "phu-hoi", "Phú Hội", "Phu Hoi" },
	{ "phu-nhuan", "Phú Nhuận", "Phu Nhuan" },
	{ "vinh-ninh", "Vĩnh Ninh", "Vinh Ninh" },
	{ "phuoc-vinh", "Phước Vĩnh", "Phuoc Vinh" },
	{ "truong-an", "Trường An", "Truong An" },
	{ "an-cuu", "An Cựu", "An Cuu" },
	{ "xuan-phu", "Xuân Phú", "Xuan Phu" },
	{ "vy-da", "Vỹ Dạ", "Vy Da" },
	{ "thuan-hoa", "Thuận Hòa", "Thuan Hoa" },
	{ "tay-loc", "Tây Lộc", "Tay Loc" },
	{ "dong-ba", "Đông Ba", "Dong Ba" },
	{ "kim-long", "Kim Long", "Kim Long" },
};

/* What a ward office handles in its own ward. */
static const char *const ward_office_categories[] = {
	"order.illegal_construction",
	"order.encroachment",
	"order.illegal_ads",
	"waste.illegal_dumping",
	"road.sidewalk",
};

static int
put_ward_and_office(feedback_catalog *cat, size_t i)
{
	char id[FEEDBACK_MAX_CODE + 1], vi[96], en[96], wname[64];
	snprintf(id, sizeof(id), "ubnd-%s", wards[i].code);
	snprintf(wname, sizeof(wname), "Phường %s", wards[i].name);
	snprintf(vi, sizeof(vi), "UBND phường %s", wards[i].name);
	snprintf(en, sizeof(en), "%s Ward People's Committee", wards[i].ascii);
	feedback_ward   w  = { wards[i].code, wname, true };
	feedback_agency a  = { id, vi, en, "ubnd-tp-hue",
		 FEEDBACK_AGENCY_WARD_OFFICE, wards[i].code, true };
	int             rc = feedback_catalog_put_ward(cat, &w);
	if (rc == HUES_OK) {
		rc = feedback_catalog_put_agency(cat, &a);
	}
	for (size_t k = 0; rc == HUES_OK && k < N(ward_office_categories);
	     k++) {
		feedback_route r = { ward_office_categories[k], wards[i].code,
			id };
		rc               = feedback_catalog_put_route(cat, &r);
	}
	return rc;
}

int
feedback_catalog_default(feedback_catalog **out)
{
	feedback_catalog *cat;
	int               rc = feedback_catalog_create(&cat);
	if (rc != HUES_OK) {
		return rc;
	}
	for (size_t i = 0; rc == HUES_OK && i < N(agencies); i++) {
		rc = feedback_catalog_put_agency(cat, &agencies[i]);
	}
	for (size_t i = 0; rc == HUES_OK && i < N(wards); i++) {
		rc = put_ward_and_office(cat, i);
	}
	for (size_t i = 0; rc == HUES_OK && i < N(categories); i++) {
		feedback_category c = categories[i];
		c.active            = true;
		rc                  = feedback_catalog_put_category(cat, &c);
	}
	/* Telecom cables in the old town go straight to the operator that
	 * owns most of them there (a demo of a ward-specific rule). */
	if (rc == HUES_OK) {
		feedback_route r = { "telecom.cable", "dong-ba", "vnpt-tth" };
		rc               = feedback_catalog_put_route(cat, &r);
	}
	if (rc != HUES_OK) {
		/* Only memory can fail here: the tables are checked by
		 * tests/unit/svc/feedback/catalog_test.c. */
		feedback_catalog_destroy(cat);
		return HUES_RESOURCE_EXHAUSTED;
	}
	*out = cat;
	return HUES_OK;
}
