/*
 * test-generate.c: `test-tool generate`: synthetic but realistic records
 * written straight into a central repository, for the benchmark
 * (bench/run.sh), the tests that need a national-sized repository, and
 * trying fieldlog at national scale. A test helper, not a fieldlog
 * command: users never run it, so the product does not carry it.
 *
 *   test-tool generate --repo DIR --profile pilot|100k|1m [--seed N] [--layout L]
 *                      [--officers N] [--weeks N]
 *   test-tool generate --repo DIR --append N [--authors K] [--exclude ID] [--seed N]
 *                      [--layout L]
 *
 * A profile writes weeks of field work: officer i works from a home commune
 * (officers are spread round-robin over the 34 provinces, so 34 officers
 * cover every province and 3,321 officers are exactly one per commune) and
 * the communes around it. Each officer week is one schedule of 3-6 entries
 * (planned, then marked done or cancelled), 2-4 visits, 1-3 new issues
 * (each later edited several times: status steps, severity changes,
 * comments), and usually a weekly report; a few reviewers answer escalated
 * issues and some reports. Text is Vietnamese administrative prose built
 * from word lists, with real commune codes and names.
 *
 * Two layouts of the central repository (docs/design.md, "Repository layout"):
 *
 *   authors (the default, what fieldlog's sync speaks): main holds only
 *     roster.json; refs/heads/authors/<id> (FL_CENTRAL_AUTHORS) holds one
 *     author's records and only theirs, at the usual paths, in a linear
 *     history of commits by that author.
 *   single (--layout single): everything on main, exactly as format 3
 *     wrote it (same seed, same commit ids); the bench's git baselines use
 *     it, as a team using plain git would use one branch.
 *
 * Both layouts hold the same records and versions for a seed: the people,
 * their PRNGs and the order of every call are the same, only the commits
 * differ. Commits are batched the way the benchmark needs them to be
 * cheap, every version still its own commit (no record changes twice in
 * one commit). In the authors layout, per officer and week, one commit
 * with the week's new records (schedule, visits, issues; Friday noon) and
 * one with its edits and the report (Friday evening); per reviewer and
 * week one commit with the week's answers: 26,609 commits at 100k. The
 * single layout batches per week and province (one commit with the
 * province's new records, one with its edits) and per reviewer: 313
 * commits at 100k; with one officer per province (pilot) both layouts
 * make the same 639 commits, by the same authors at the same times. A real
 * central repository would hold one commit per saved version, so either
 * history is smaller than the real one.
 *
 * --append writes N new records (visits and issues) as one commit per
 * record, the way `fieldlog` saves them, by K officers of the roster
 * taking turns (each writes its share in a row, as one sync would push
 * them): "50 new commits from others", "a day at national scale". In the
 * authors layout each record goes on its author's branch. The layout of
 * an existing repository is read from it (records on main: single; an
 * author's branch: authors); --layout, if given, must agree.
 *
 * Everything is deterministic for a seed: its own PRNG, ULIDs made from a
 * fake clock and that PRNG (encoded by fl_id_encode, as fieldlog's own
 * ids), fake times, fixed calendar (the last week is 2026-W47; --append
 * starts the morning after the latest commit on any branch). Everything
 * git is the product's: trees and commits are built by fl_store_commit,
 * and new objects stay in memory in the store's batch and are written out
 * as a pack of whole objects by fl_store_batch_end every 256 MB, and once
 * at the end. Branch tips (main, one per author) are kept in memory and
 * the refs written only at the end, so an interrupted run moves no
 * branch; the authors' branches are then packed (packed-refs). A
 * generated repository is a fresh, never-gc'd one: run `git repack -a -d
 * -f` to make it look like a served one (bench/bench.py does).
 */
#define _POSIX_C_SOURCE 200809L
#include "tests/helper/test-tool.h"
#include "app/fieldlog.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "schema/text.h"
#include "sync/import.h"
#include "sync/sign.h"

/*
 * Bumped whenever the output for a given seed changes (bench caches by it).
 * The commit messages and author names below that say "fieldlog generate"
 * are part of that output (they go into every commit id): they keep the
 * name the generator had when format 4 was made.
 */
#define GEN_FORMAT 4 /* 2: no shard directory; 3: author buckets; 4: authors layout */
#define END_WEEK "2026-W47"
/* Where format 3 and older worked; removed when an interrupted run left it. */
#define WORK_REF "refs/fieldlog/generate"

/* --- PRNG: xoshiro256** seeded by splitmix64 ------------------------------ */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n). */
static unsigned below(struct rng *r, unsigned n)
{
	return n ? (unsigned)(((rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0;
}

/* Uniform in [lo, hi]. */
static int range(struct rng *r, int lo, int hi)
{
	return lo + (int)below(r, (unsigned)(hi - lo + 1));
}

/* True with probability permille / 1000. */
static int chance(struct rng *r, unsigned permille)
{
	return below(r, 1000) < permille;
}

#define PICK(r, list) ((list)[below((r), FL_ARRAY_SIZE(list))])

/* --- word lists ------------------------------------------------------------ */

static const char *const family_names[] = {
	"Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần",
	"Lê", "Lê", "Phạm", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
	"Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Lương",
	"Tạ", "Cao", "Đoàn", "Hà", "Chu", "Lò", "Nông", "Triệu", "La", "Kiều",
};
static const char *const male_middle[] = {
	"Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân",
	"Tiến", "Ngọc", "Quang", "Trọng", "Bá", "Đình",
};
static const char *const female_middle[] = {
	"Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Thùy", "Minh", "Kim", "Bích",
	"Phương", "Hồng", "Mai",
};
static const char *const male_given[] = {
	"An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hiếu", "Hoàng",
	"Hùng", "Huy", "Khánh", "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phong",
	"Phúc", "Quân", "Sơn", "Tâm", "Thắng", "Thành", "Trung", "Tuấn", "Việt",
	"Vinh", "Toàn", "Lộc", "Đông", "Khoa", "Lâm", "Tùng",
};
static const char *const female_given[] = {
	"Anh", "Châu", "Dung", "Duyên", "Hà", "Hạnh", "Hằng", "Hoa", "Hương",
	"Huyền", "Lan", "Linh", "Loan", "Mai", "Ngân", "Nga", "Nhung", "Oanh",
	"Phương", "Quỳnh", "Thảo", "Thu", "Trang", "Tuyết", "Vân", "Yến", "Liên",
	"Hiền", "Thủy", "Ánh",
};

static const char *const positions[] = {
	"Chủ tịch UBND xã", "Phó Chủ tịch UBND xã", "Bí thư Đảng ủy xã",
	"Chủ tịch HĐND xã", "công chức Văn phòng - Thống kê",
	"công chức Tư pháp - Hộ tịch", "công chức Địa chính - Xây dựng",
	"công chức Văn hóa - Xã hội", "công chức Tài chính - Kế toán",
	"Trưởng Công an xã", "Chỉ huy trưởng Ban Chỉ huy quân sự xã",
	"Bí thư Đoàn Thanh niên", "Chủ tịch Hội Liên hiệp Phụ nữ",
	"Chủ tịch Ủy ban MTTQ Việt Nam xã", "Trưởng thôn", "Tổ trưởng tổ dân phố",
	"Trưởng Bộ phận một cửa", "Chủ tịch Hội Nông dân", "Chủ tịch Hội Cựu chiến binh",
};

/* Per domain (same order as schema/domains.csv; matched by id at run time). */
struct domain_words {
	const char *id;
	const char *objects[4];     /* what an issue or activity is about */
};

static const struct domain_words domain_words[] = {
	{ "organisation", { "bộ máy sau sắp xếp đơn vị hành chính",
			    "phân công nhiệm vụ giữa các phòng chuyên môn",
			    "quy chế làm việc của UBND xã mới",
			    "trụ sở làm việc sau hợp nhất xã" } },
	{ "civil_servants", { "biên chế công chức cấp xã",
			      "vị trí việc làm của công chức xã",
			      "chế độ phụ cấp cho người hoạt động không chuyên trách",
			      "đánh giá, xếp loại công chức cuối năm" } },
	{ "local_government", { "hoạt động của Hội đồng nhân dân xã",
				"phân cấp thẩm quyền cho chính quyền cấp xã",
				"tổ chức kỳ họp Hội đồng nhân dân",
				"tiếp công dân định kỳ của lãnh đạo xã" } },
	{ "admin_reform", { "hồ sơ thủ tục hành chính tại bộ phận một cửa",
			    "dịch vụ công trực tuyến toàn trình",
			    "số hóa kết quả giải quyết thủ tục hành chính",
			    "niêm yết công khai thủ tục hành chính" } },
	{ "emulation", { "hồ sơ đề nghị khen thưởng",
			 "xét tặng danh hiệu thi đua cuối năm",
			 "phong trào thi đua của khối thôn, tổ dân phố",
			 "khen thưởng đột xuất cho tập thể" } },
	{ "archives", { "chỉnh lý tài liệu lưu trữ của các xã cũ",
			"kho lưu trữ hồ sơ tại trụ sở cũ",
			"lập hồ sơ công việc và nộp lưu",
			"văn bản điện tử và chữ ký số" } },
	{ "religion", { "đăng ký sinh hoạt tôn giáo tập trung",
			"quản lý cơ sở tín ngưỡng trên địa bàn",
			"tổ chức lễ hội tín ngưỡng truyền thống",
			"sửa chữa, cải tạo cơ sở tôn giáo" } },
	{ "youth", { "hoạt động của Đoàn Thanh niên xã",
		     "việc làm cho thanh niên sau xuất ngũ",
		     "câu lạc bộ thanh niên tình nguyện",
		     "chương trình hỗ trợ thanh niên khởi nghiệp" } },
	{ "gender_equality", { "lồng ghép bình đẳng giới trong kế hoạch",
			       "tỷ lệ nữ cán bộ chủ chốt cấp xã",
			       "phòng, chống bạo lực gia đình",
			       "hỗ trợ phụ nữ dân tộc thiểu số" } },
	{ "grassroots_democracy", { "công khai thông tin ngân sách xã",
				    "hội nghị đối thoại với nhân dân",
				    "lấy ý kiến người dân về quy hoạch",
				    "hoạt động của Ban Thanh tra nhân dân" } },
	{ "labour_wages", { "chi trả lương và bảo hiểm xã hội",
			    "nợ đóng bảo hiểm xã hội của doanh nghiệp",
			    "chế độ tiền lương sau khi sắp xếp",
			    "bảo hiểm xã hội tự nguyện cho lao động tự do" } },
	{ "employment", { "giới thiệu việc làm cho lao động nông thôn",
			  "đào tạo nghề cho người lao động",
			  "lao động đi làm việc ở nước ngoài",
			  "hỗ trợ người lao động mất việc làm" } },
	{ "occupational_safety", { "an toàn lao động tại công trình xây dựng",
				   "huấn luyện an toàn, vệ sinh lao động",
				   "tai nạn lao động tại cơ sở sản xuất",
				   "kiểm định thiết bị có yêu cầu nghiêm ngặt" } },
	{ "meritorious", { "xác nhận hồ sơ người có công với cách mạng",
			   "chi trả trợ cấp ưu đãi người có công",
			   "hỗ trợ nhà ở cho người có công",
			   "tu bổ nghĩa trang liệt sĩ" } },
	{ "ngo", { "quản lý dự án của tổ chức phi chính phủ nước ngoài",
		   "hoạt động của hội, quỹ xã hội từ thiện",
		   "tiếp nhận viện trợ phi chính phủ",
		   "báo cáo hoạt động của các hội đặc thù" } },
	{ "land", { "cấp giấy chứng nhận quyền sử dụng đất",
		    "tranh chấp địa giới hành chính giữa hai xã",
		    "hồ sơ đất đai tồn đọng của các xã cũ",
		    "bồi thường, giải phóng mặt bằng" } },
	{ "finance", { "kinh phí hoạt động sau hợp nhất xã",
		       "trang thiết bị làm việc tại trụ sở mới",
		       "quyết toán ngân sách của các xã cũ",
		       "tài sản công dôi dư sau sắp xếp" } },
	{ "digital", { "kết nối mạng tại bộ phận một cửa",
		       "phần mềm quản lý văn bản và điều hành",
		       "cơ sở dữ liệu dân cư phục vụ thủ tục hành chính",
		       "máy tính và thiết bị số hóa hồ sơ" } },
	{ "other", { "phối hợp giữa các thôn, tổ dân phố",
		     "công tác dân vận của chính quyền",
		     "giải quyết đơn thư kiến nghị của công dân",
		     "an ninh trật tự trên địa bàn" } },
};

static const char *const problems[] = {
	"Chậm giải quyết", "Vướng mắc trong", "Thiếu hướng dẫn về",
	"Khó khăn trong", "Tồn đọng", "Chưa thống nhất cách thực hiện",
	"Sai sót trong", "Chưa bảo đảm", "Quá tải", "Chưa kịp thời triển khai",
	"Phản ánh của người dân về", "Chưa đủ điều kiện thực hiện",
};

static const char *const activity_verbs[] = {
	"Kiểm tra", "Làm việc với UBND xã về", "Hướng dẫn nghiệp vụ về",
	"Khảo sát", "Đôn đốc", "Rà soát", "Nắm tình hình", "Giám sát",
	"Tập huấn về", "Họp với lãnh đạo xã về", "Tiếp nhận phản ánh về",
	"Đối thoại với người dân về",
};

static const char *const causes[] = {
	"thiếu công chức có chuyên môn phù hợp sau khi sắp xếp",
	"hạ tầng công nghệ thông tin chưa đồng bộ giữa các điểm tiếp nhận",
	"kinh phí được giao chưa đáp ứng nhu cầu thực tế",
	"văn bản hướng dẫn của cấp trên ban hành chậm",
	"khối lượng công việc tăng nhiều sau khi hợp nhất xã",
	"trụ sở làm việc phân tán, cách xa nhau",
	"công chức mới chưa được tập huấn nghiệp vụ",
	"dữ liệu của các xã cũ chưa được chuyển đổi, đồng bộ",
	"địa bàn rộng, giao thông đi lại khó khăn",
	"sự phối hợp giữa các bộ phận chưa chặt chẽ",
};

static const char *const impacts[] = {
	"tiến độ giải quyết thủ tục hành chính cho người dân",
	"quyền lợi hợp pháp của người lao động",
	"chất lượng phục vụ người dân và doanh nghiệp",
	"việc thực hiện nhiệm vụ chính trị của địa phương",
	"niềm tin của nhân dân đối với chính quyền cơ sở",
	"kế hoạch công tác năm của xã",
};

static const char *const actions_taken[] = {
	"chủ động bố trí công chức kiêm nhiệm", "tổ chức họp rà soát và phân công lại nhiệm vụ",
	"báo cáo bằng văn bản lên UBND tỉnh", "làm việc với các sở, ngành liên quan",
	"lập danh sách hồ sơ tồn đọng để theo dõi", "cử công chức tham gia lớp tập huấn",
	"đề nghị Sở Nội vụ hỗ trợ chuyên môn", "tạm thời bố trí thêm một điểm tiếp nhận",
};

static const char *const still_problems[] = {
	"tình trạng trên vẫn chưa được khắc phục triệt để",
	"đến nay chưa có hướng dẫn cụ thể từ cơ quan chuyên môn",
	"kết quả chưa đạt yêu cầu đề ra",
	"vẫn còn nhiều hồ sơ quá hạn",
	"người dân vẫn phải đi lại nhiều lần",
};

static const char *const complaints[] = {
	"việc phải đi lại nhiều lần để hoàn thiện hồ sơ",
	"thời gian chờ đợi kết quả kéo dài",
	"thông tin niêm yết công khai chưa đầy đủ",
	"thái độ tiếp dân của một số công chức chưa tốt",
	"khoảng cách từ thôn đến trụ sở xã mới quá xa",
	"việc nộp hồ sơ trực tuyến còn nhiều lỗi",
};

static const char *const authorities[] = {
	"Bộ Nội vụ", "Sở Nội vụ", "UBND tỉnh", "Vụ Chính quyền địa phương",
	"Cục Văn thư và Lưu trữ nhà nước", "Ban Tôn giáo Chính phủ",
};

static const char *const requests[] = {
	"cách thức bố trí biên chế phù hợp với quy mô dân số và diện tích",
	"quy trình bàn giao hồ sơ, tài liệu giữa các đơn vị",
	"việc áp dụng chế độ phụ cấp trong thời gian chuyển tiếp",
	"thẩm quyền giải quyết đối với hồ sơ tiếp nhận trước ngày sắp xếp",
	"nguồn kinh phí để mua sắm trang thiết bị thiết yếu",
	"việc sử dụng con dấu và tài khoản của các xã cũ",
};

static const char *const resolutions[] = {
	"Đã bố trí đủ công chức và giải quyết xong các hồ sơ tồn đọng.",
	"UBND xã đã ban hành quy chế phối hợp mới, tình trạng chậm trễ được khắc phục.",
	"Đã được Sở Nội vụ hướng dẫn bằng văn bản, xã đã triển khai thực hiện.",
	"Đã sửa chữa hạ tầng mạng, bộ phận một cửa hoạt động bình thường trở lại.",
	"Các bên đã thống nhất phương án giải quyết tại buổi làm việc.",
	"Đã thực hiện theo hướng dẫn của Bộ Nội vụ, kết quả được báo cáo UBND tỉnh.",
};

static const char *const comment_tpl[] = {
	"Đã trao đổi qua điện thoại với lãnh đạo xã, dự kiến xử lý xong trong tuần sau.",
	"Cập nhật: xã đã gửi báo cáo bổ sung, đang chờ ý kiến của Sở Nội vụ.",
	"Kiểm tra lại thực tế ngày hôm nay, tình hình chưa có chuyển biến.",
	"Đã đôn đốc bằng văn bản, đề nghị xã báo cáo kết quả trước thứ Sáu.",
	"Người dân tiếp tục phản ánh qua đường dây nóng của tỉnh.",
	"Sở Nội vụ đã cử cán bộ xuống hỗ trợ chuyên môn.",
	"Đã tổng hợp số liệu đầy đủ, gửi kèm trong báo cáo tuần.",
};

static const char *const cancel_notes[] = {
	"Hoãn do xã có lịch họp đột xuất.", "Hoãn do mưa lớn, đường vào xã bị sạt lở.",
	"Chuyển sang tuần sau theo đề nghị của lãnh đạo xã.",
	"Không thực hiện do tham gia đoàn kiểm tra của tỉnh.",
};

static const char *const plan_notes[] = {
	"Chuẩn bị đề cương làm việc và mẫu biểu tổng hợp số liệu.",
	"Mời đại diện các thôn, tổ dân phố cùng tham dự.",
	"Đề nghị xã chuẩn bị báo cáo bằng văn bản trước buổi làm việc.",
	"Phối hợp với công chức Văn phòng - Thống kê của xã.",
};

static void add_guidance(struct strbuf *sb, struct rng *r)
{
	switch (below(r, 5)) {
	case 0:
		strbuf_addf(sb, "Đề nghị địa phương thực hiện theo hướng dẫn tại Công văn số %d/BNV-CQĐP ngày %02d/%02d/2026 của Bộ Nội vụ.",
			    range(r, 1200, 8900), range(r, 1, 28), range(r, 1, 12));
		break;
	case 1:
		strbuf_addstr(sb, "Bộ Nội vụ đã tổng hợp kiến nghị để báo cáo Chính phủ xem xét, quyết định.");
		break;
	case 2:
		strbuf_addstr(sb, "Trong thời gian chờ văn bản hướng dẫn, địa phương tiếp tục áp dụng quy định hiện hành.");
		break;
	case 3:
		strbuf_addf(sb, "Đề nghị UBND tỉnh chỉ đạo Sở Nội vụ hướng dẫn cụ thể và báo cáo kết quả trước ngày %d của tháng sau.",
			    range(r, 5, 25));
		break;
	default:
		strbuf_addstr(sb, "Vụ Chính quyền địa phương sẽ làm việc trực tiếp với địa phương trong tháng tới.");
		break;
	}
}

/* --- calendar and ids ------------------------------------------------------- */

/* A ULID from a fake clock (ms since the epoch) and the PRNG. */
static void make_ulid(char out[FL_ID_LEN + 1], long long ms, struct rng *r)
{
	unsigned char rnd[10];
	uint64_t a = rng_next(r), c = rng_next(r);
	for (int i = 0; i < 8; i++)
		rnd[i] = (unsigned char)(a >> (8 * i));
	rnd[8] = (unsigned char)c;
	rnd[9] = (unsigned char)(c >> 8);
	fl_id_encode(out, (unsigned long long)ms, rnd);
}

/* Seconds since the epoch of hh:mm:ss (Vietnam time) on the day `days`. */
static long long at(long days, int h, int m, int s)
{
	return (long long)days * 86400 + h * 3600 + m * 60 + s - 7 * 3600;
}

/* Day number of weekday wd (1 = Monday) of week. */
static long week_daynum(const char *week, int wd)
{
	char d[11];
	fl_week_day(d, week, wd);
	return fl_date_days(d);
}

static void date_of(char out[11], long days)
{
	char t[32];
	fl_time_format_vn(t, at(days, 12, 0, 0));
	memcpy(out, t, 10);
	out[10] = '\0';
}

/* A time between h0:00 and h1:00 of day `days`. */
static long long time_in(struct rng *r, long days, int h0, int h1)
{
	return at(days, h0, 0, 0) + (long long)below(r, (unsigned)(h1 - h0) * 3600u);
}

/* --- the generator's state --------------------------------------------------- */

struct issue;

/*
 * Where a branch is: the commit it will point at when the run ends, and
 * whether that moved during the run (only those refs are written).
 */
struct tip {
	git_oid id;
	int have, moved;
};

struct officer {
	char id[80], name[96];
	struct tip tip;              /* authors layout: refs/heads/authors/<id> */
	const struct fl_province *prov;
	const struct fl_commune *home;
	const struct fl_commune **area;
	size_t narea;
	struct rng rng;
	struct issue **act;          /* issues still being worked on */
	size_t nact, aact;
	/* the current week */
	cJSON *sched;
	long long sched_updated;
	int opened, escalated, resolved, nvisits;
};

struct issue {
	cJSON *rec;
	struct officer *o;
	long long updated;           /* updated_at of the last version */
	int plan, step, awaiting, answered, closed_by_reviewer, reviewer;
};

struct reviewer {
	char id[80], name[96];
	struct tip tip;
	struct rng rng;
};

struct target {                  /* a report a reviewer will answer */
	char id[FL_ID_LEN + 1];
	int reviewer;
};

struct gen {
	struct fl_store *store;
	git_repository *repo;
	int authors;                 /* the layout: 1 a branch per author, 0 single */
	struct tip main;             /* refs/heads/main */
	struct fl_write *w;
	size_t nw, aw;
	/* checks */
	long check_n, checked;
	int check_all;
	/* counts */
	size_t records[FL_NKINDS], versions, commits, packs, refs;
	/* people */
	struct officer *off;
	size_t noff;
	struct reviewer *rev;
	size_t nrev;
	struct issue **awaiting;
	size_t nawaiting, aawaiting;
	struct target *targets;
	size_t ntargets, atargets;
	uint64_t seed;
	int sign;                    /* --sign: keys in the roster, signed commits */
};

static void die_git(const char *what)
{
	fl_die("%s: %s", what, fl_git_error());
}

/*
 * Writes the objects of the run so far as a pack and, unless the run is
 * over, starts the next batch. New objects stay in memory, in the
 * store's batch (sync/store.c), until then; they are not written loose,
 * one file each, as libgit2 would (a million records are 3.9 million
 * objects).
 */
static void flush_pack(struct gen *g, int last)
{
	int had = fl_store_batch_bytes(g->store) > 0;
	if (fl_store_batch_end(g->store, 1) < 0 ||
	    (!last && fl_store_batch_begin_bulk(g->store) < 0))
		fl_die("%s", fl_last_error());
	g->packs += had;
}

/* Checks a file the way the importer and the server's hook will. */
static void check_file(struct gen *g, const char *path, const char *text, size_t len)
{
	cJSON *rec = NULL;
	if (!g->check_all && g->checked >= g->check_n)
		return;
	g->checked++;
	if (fl_check_record(&rec, path, GIT_FILEMODE_BLOB, text, len) < 0)
		fl_die("generated an invalid record %s: %s\n%s", path, fl_last_error(), text);
	cJSON_Delete(rec);
}

/* Queues a record (a new one, or a new version) for the next commit. */
static void put(struct gen *g, const cJSON *rec, int is_new)
{
	const char *kind = fl_json_str(rec, "kind");
	char *text = fl_json_canonical(rec);
	char *path = fl_record_path(fl_json_str(rec, "author"), kind, fl_json_str(rec, "id"));
	size_t len = strlen(text);

	check_file(g, path, text, len);
	if (g->nw == g->aw) {
		g->aw = g->aw ? 2 * g->aw : 256;
		g->w = xrealloc(g->w, g->aw * sizeof(*g->w));
	}
	g->w[g->nw].path = path;
	g->w[g->nw].data = text;
	g->w[g->nw].len = len;
	g->nw++;
	if (is_new)
		g->records[fl_kind_parse(kind)]++;
	g->versions++;
}

/*
 * --sign: each person's Ed25519 key, from a seed that hashes their id (so
 * --append, the bench and `--print-key` agree on it without storing
 * 3,332 keys).
 */
static void person_key(struct fl_ssh_seckey *k, const char *id)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char *text = xstrfmt("fieldlog generate key %s", id);

	crypto_hash_sha256(seed, (const unsigned char *)text, strlen(text));
	crypto_sign_seed_keypair(k->pub.key, k->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	free(text);
}

/* "ssh-ed25519 BASE64 id@fieldlog": the roster's line for id's key. */
static char *person_key_line(const char *id)
{
	struct fl_ssh_seckey k;
	struct strbuf sb = STRBUF_INIT;

	person_key(&k, id);
	fl_ssh_pubkey_format(&sb, &k.pub);
	strbuf_addf(&sb, " %s@fieldlog", id);
	fl_ssh_seckey_clear(&k);
	return strbuf_detach(&sb, NULL);
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	strbuf_add(sb, b, 4);
}

static void put_string(struct strbuf *sb, const void *p, size_t len)
{
	put_u32(sb, (uint32_t)len);
	strbuf_add(sb, p, len);
}

/*
 * --print-key ID: id's key as an unencrypted OpenSSH private key file
 * (openssh-key-v1, as `ssh-keygen -t ed25519 -N ""` writes), so that a
 * workspace of the bench signs as that person with `init --key`.
 */
static void print_key(const char *id)
{
	struct strbuf pub = STRBUF_INIT, priv = STRBUF_INIT, all = STRBUF_INIT;
	struct fl_ssh_seckey k;
	char *comment = xstrfmt("%s@fieldlog", id);

	person_key(&k, id);
	fl_ssh_pubkey_blob(&pub, &k.pub);
	put_u32(&priv, 0x66696c67);
	put_u32(&priv, 0x66696c67);
	put_string(&priv, "ssh-ed25519", 11);
	put_string(&priv, k.pub.key, sizeof(k.pub.key));
	put_string(&priv, k.sk, sizeof(k.sk));
	put_string(&priv, comment, strlen(comment));
	for (unsigned char pad = 1; priv.len % 8; pad++)
		strbuf_add(&priv, &pad, 1);
	strbuf_add(&all, "openssh-key-v1", 15);
	put_string(&all, "none", 4);
	put_string(&all, "none", 4);
	put_string(&all, "", 0);
	put_u32(&all, 1);
	put_string(&all, pub.buf, pub.len);
	put_string(&all, priv.buf, priv.len);
	size_t n = sodium_base64_ENCODED_LEN(all.len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(n);
	sodium_bin2base64(b64, n, (const unsigned char *)all.buf, all.len,
			  sodium_base64_VARIANT_ORIGINAL);
	printf("-----BEGIN OPENSSH PRIVATE KEY-----\n");
	for (size_t i = 0, len = strlen(b64); i < len; i += 70)
		printf("%.70s\n", b64 + i);
	printf("-----END OPENSSH PRIVATE KEY-----\n");
	sodium_memzero(priv.buf, priv.len);
	sodium_memzero(all.buf, all.len);
	fl_ssh_seckey_clear(&k);
	free(b64);
	free(comment);
	strbuf_release(&pub);
	strbuf_release(&priv);
	strbuf_release(&all);
}

/* With --sign, signs the next commits as `email`'s person (none: unsigned). */
static void sign_as(struct gen *g, const char *email)
{
	const char *at = strrchr(email, '@');
	struct fl_ssh_seckey k;

	if (!g->sign || !at || !strcmp(email, "generate@fieldlog")) {
		fl_store_set_signer(g->store, NULL);
		return;
	}
	char *id = xstrndup(email, (size_t)(at - email));
	person_key(&k, id);
	fl_store_set_signer(g->store, fl_signer_from_key(&k));
	fl_ssh_seckey_clear(&k);
	free(id);
}

/*
 * Commits what is queued (if anything) on top of tip `t` and moves t in
 * memory only: refs are written once, by finish_repo().
 */
static void commit(struct gen *g, struct tip *t, const char *msg, const char *name,
		   const char *email, long long when)
{
	struct fl_sig sig = { name, email, when, 7 * 60 };
	git_oid out;

	if (!g->nw)
		return;
	sign_as(g, email);
	if (fl_store_commit(&out, g->store, NULL, t->have ? &t->id : NULL, t->have ? 1 : 0,
			    g->w, g->nw, msg, &sig) < 0)
		fl_die("%s", fl_last_error());
	for (size_t i = 0; i < g->nw; i++) {
		free((char *)g->w[i].path);
		free((char *)g->w[i].data);
	}
	g->nw = 0;
	git_oid_cpy(&t->id, &out);
	t->have = t->moved = 1;
	g->commits++;
	/* A pack per 256 MB keeps memory bounded at national scale. */
	if (fl_store_batch_bytes(g->store) > (256u << 20))
		flush_pack(g, 0);
}

/* --- text ------------------------------------------------------------------ */

static void person_name(char out[96], struct rng *r, int *female)
{
	*female = (int)below(r, 2);
	snprintf(out, 96, "%s %s %s", PICK(r, family_names),
		 *female ? PICK(r, female_middle) : PICK(r, male_middle),
		 *female ? PICK(r, female_given) : PICK(r, male_given));
}

/* The unaccented, lower-case form of a name part: "Nguyễn" -> "nguyen". */
static void ascii_part(struct strbuf *sb, const char *s)
{
	char *f = fl_text_fold(s);
	for (const char *p = f; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			strbuf_addch(sb, *p);
	free(f);
}

static const struct domain_words *domain_of(const char *id)
{
	for (size_t i = 0; i < FL_ARRAY_SIZE(domain_words); i++)
		if (!strcmp(domain_words[i].id, id))
			return &domain_words[i];
	return &domain_words[FL_ARRAY_SIZE(domain_words) - 1];
}

/* A domain id from the reference data (weighted towards the busy ones). */
static const char *pick_domain(struct rng *r)
{
	static const char *const busy[] = { "admin_reform", "organisation", "civil_servants",
					    "land", "digital", "finance", "labour_wages" };
	const struct fl_refdata *rd = fl_refdata();
	if (chance(r, 550))
		return PICK(r, busy);
	return rd->domains[below(r, (unsigned)rd->ndomains)].id;
}

static const char *object_of(struct rng *r, const char *domain)
{
	const struct domain_words *d = domain_of(domain);
	return d->objects[below(r, 4)];
}

static void sentence_n(struct strbuf *sb, struct rng *r, const char *domain,
		       const struct fl_commune *c, unsigned which)
{
	if (sb->len)
		strbuf_addch(sb, ' ');
	switch (which) {
	case 0:
		strbuf_addf(sb, "Qua kiểm tra thực tế tại %s, %s còn nhiều bất cập, ảnh hưởng đến %s.",
			    c->name, object_of(r, domain), PICK(r, impacts));
		break;
	case 1:
		strbuf_addf(sb, "Nguyên nhân chủ yếu là do %s.", PICK(r, causes));
		break;
	case 2:
		strbuf_addf(sb, "Lãnh đạo xã đã %s nhưng %s.", PICK(r, actions_taken),
			    PICK(r, still_problems));
		break;
	case 3:
		strbuf_addf(sb, "Người dân phản ánh về %s.", PICK(r, complaints));
		break;
	case 4: {
		int n = range(r, 12, 240);
		strbuf_addf(sb, "Số hồ sơ tồn đọng đến nay là %d hồ sơ, trong đó %d hồ sơ đã quá hạn giải quyết.",
			    n, range(r, 1, n / 2 + 1));
		break;
	}
	case 5:
		strbuf_addf(sb, "Đề nghị %s xem xét, hướng dẫn %s.", PICK(r, authorities),
			    PICK(r, requests));
		break;
	case 6:
		strbuf_addf(sb, "Hiện nay %s chưa được thực hiện đầy đủ, nhất là ở các thôn vùng sâu, vùng xa.",
			    object_of(r, domain));
		break;
	default:
		strbuf_addf(sb, "Việc này ảnh hưởng trực tiếp đến %s, cần được xử lý dứt điểm.",
			    PICK(r, impacts));
		break;
	}
}

static void sentence(struct strbuf *sb, struct rng *r, const char *domain,
		     const struct fl_commune *c)
{
	sentence_n(sb, r, domain, c, below(r, 8));
}

/* lo..hi sentences, no template twice. */
static char *sentences(struct rng *r, int lo, int hi, const char *domain,
		       const struct fl_commune *c)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned order[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	int n = range(r, lo, hi);
	for (unsigned i = 7; i > 0; i--) {
		unsigned j = below(r, i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < n && i < 8; i++)
		sentence_n(&sb, r, domain, c, order[i]);
	return strbuf_detach(&sb, NULL);
}

static char *title_of(struct rng *r, const char *domain, const struct fl_commune *c)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s ", PICK(r, problems));
	const char *obj = object_of(r, domain);
	strbuf_addstr(&sb, obj);
	if (!strstr(obj, " tại ") && chance(r, 600))
		strbuf_addf(&sb, " tại %s", c->name);
	return strbuf_detach(&sb, NULL);
}

static char *activity_of(struct rng *r, const char *domain)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s ", PICK(r, activity_verbs));
	strbuf_addstr(&sb, object_of(r, domain));
	return strbuf_detach(&sb, NULL);
}

static char *met_of(struct rng *r)
{
	struct strbuf sb = STRBUF_INIT;
	int n = range(r, 1, 3);
	for (int i = 0; i < n; i++) {
		char nm[96];
		int female;
		person_name(nm, r, &female);
		strbuf_addf(&sb, "%s%s %s, %s", i ? "; " : "", i ? (female ? "bà" : "ông") :
			    (female ? "Bà" : "Ông"), nm, PICK(r, positions));
	}
	return strbuf_detach(&sb, NULL);
}

static char *finding_of(struct rng *r)
{
	int a = range(r, 3, 95), b = range(r, 1, 40);
	if (b > a)
		b = a;
	switch (below(r, 8)) {
	case 0:
		return xstrfmt("Bộ phận một cửa tiếp nhận bình quân %d hồ sơ mỗi ngày, trong đó %d hồ sơ trả kết quả quá hạn.", a, b);
	case 1:
		return xstrfmt("Xã hiện có %d công chức, còn thiếu %d người so với vị trí việc làm được phê duyệt.", a, b);
	case 2:
		return xstrfmt("Đã số hóa được %d%% kết quả giải quyết thủ tục hành chính trong năm.", a);
	case 3:
		return xstrfmt("Trong tháng, xã tiếp nhận %d đơn thư kiến nghị, đã giải quyết %d đơn.", a, b);
	case 4:
		return xstrfmt("Tỷ lệ hồ sơ nộp trực tuyến đạt %d%%, thấp hơn chỉ tiêu của tỉnh.", a);
	case 5:
		return xstrfmt("Còn %d hộ gia đình chưa được cấp giấy chứng nhận quyền sử dụng đất do vướng mắc về nguồn gốc đất.", a);
	case 6:
		return xstrfmt("Ủy ban nhân dân xã đã tổ chức %d buổi đối thoại với nhân dân, thu hút %d lượt người tham dự.", b, a * 10);
	default:
		return xstrfmt("Kho lưu trữ còn khoảng %d mét giá tài liệu chưa được chỉnh lý.", a);
	}
}

/* --- records ---------------------------------------------------------------- */

static cJSON *new_rec(enum fl_kind k, const char *author, long long t, struct rng *r,
		      char id[FL_ID_LEN + 1])
{
	char now[32];
	fl_time_format_vn(now, t);
	make_ulid(id, t * 1000 + below(r, 1000), r);
	return fl_record_new(k, id, author, now);
}

static void set_time(cJSON *rec, const char *key, long long t)
{
	char s[32];
	fl_time_format_vn(s, t);
	fl_json_set_str(rec, key, s);
}

static void set_own(cJSON *rec, const char *key, char *value)
{
	fl_json_set_str(rec, key, value);
	free(value);
}

static const struct fl_commune *area_commune(struct officer *o)
{
	if (o->narea == 1 || chance(&o->rng, 300))
		return o->home;
	return o->area[below(&o->rng, (unsigned)o->narea)];
}

static void add_comment(struct officer *o, cJSON *issue, long long t)
{
	char cid[FL_ID_LEN + 1], at_s[32];
	cJSON *c = cJSON_CreateObject();
	make_ulid(cid, t * 1000 + below(&o->rng, 1000), &o->rng);
	fl_time_format_vn(at_s, t);
	cJSON_AddStringToObject(c, "id", cid);
	cJSON_AddStringToObject(c, "author", o->id);
	cJSON_AddStringToObject(c, "at", at_s);
	cJSON_AddStringToObject(c, "text", PICK(&o->rng, comment_tpl));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(issue, "comments"), c);
}

static void officer_take(struct officer *o, struct issue *is)
{
	if (o->nact == o->aact) {
		o->aact = o->aact ? 2 * o->aact : 16;
		o->act = xrealloc(o->act, o->aact * sizeof(*o->act));
	}
	o->act[o->nact++] = is;
}

/* Monday: the week's plan, visits on planned days, the issues they found. */
static void officer_week_new(struct gen *g, struct officer *o, const char *week)
{
	struct rng *r = &o->rng;
	long mon = week_daynum(week, 1);
	char id[FL_ID_LEN + 1];
	int ne = range(r, 3, 6), nv = range(r, 2, 4), ni = range(r, 1, 3), i;
	long days[6];
	const struct fl_commune *where[6];
	const char *dom[6];

	o->opened = o->escalated = o->resolved = 0;
	o->nvisits = nv;

	/* The schedule, written on Monday morning. */
	for (i = 0; i < ne; i++) {
		days[i] = mon + (long)below(r, 5);
		where[i] = area_commune(o);
		dom[i] = pick_domain(r);
	}
	for (i = 1; i < ne; i++)      /* in date order */
		for (int j = i; j > 0 && days[j] < days[j - 1]; j--) {
			long td = days[j]; days[j] = days[j - 1]; days[j - 1] = td;
			const struct fl_commune *tc = where[j]; where[j] = where[j - 1]; where[j - 1] = tc;
			const char *ts = dom[j]; dom[j] = dom[j - 1]; dom[j - 1] = ts;
		}
	long long t = time_in(r, mon, 7, 9);
	o->sched = new_rec(FL_SCHEDULE, o->id, t, r, id);
	o->sched_updated = t;
	fl_json_set_str(o->sched, "week", week);
	cJSON *entries = cJSON_GetObjectItemCaseSensitive(o->sched, "entries");
	for (i = 0; i < ne; i++) {
		char eid[FL_ID_LEN + 1], d[11];
		cJSON *e = cJSON_CreateObject();
		make_ulid(eid, t * 1000 + (long long)i, r);
		date_of(d, days[i]);
		cJSON_AddStringToObject(e, "id", eid);
		cJSON_AddStringToObject(e, "date", d);
		cJSON_AddStringToObject(e, "commune", where[i]->code);
		char *act = activity_of(r, dom[i]);
		cJSON_AddStringToObject(e, "activity", act);
		free(act);
		cJSON_AddStringToObject(e, "state", "planned");
		cJSON_AddStringToObject(e, "note", chance(r, 300) ? PICK(r, plan_notes) : "");
		cJSON_AddItemToArray(entries, e);
	}
	put(g, o->sched, 1);

	/* Visits: the first nv planned entries (or extra days when fewer). */
	cJSON *visits[4];
	long vday[4];
	const struct fl_commune *vwhere[4];
	const char *vdom[4];
	for (i = 0; i < nv; i++) {
		int k = i < ne ? i : (int)below(r, (unsigned)ne);
		vday[i] = days[k];
		vwhere[i] = where[k];
		vdom[i] = dom[k];
		long long vt = time_in(r, vday[i], 14, 17);
		char d[11];
		visits[i] = new_rec(FL_VISIT, o->id, vt, r, id);
		date_of(d, vday[i]);
		fl_json_set_str(visits[i], "date", d);
		fl_json_set_str(visits[i], "commune", vwhere[i]->code);
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "Làm việc tại %s về %s.", vwhere[i]->name, object_of(r, vdom[i]));
		sentence(&sb, r, vdom[i], vwhere[i]);
		if (chance(r, 500))
			sentence(&sb, r, vdom[i], vwhere[i]);
		set_own(visits[i], "summary", strbuf_detach(&sb, NULL));
		set_own(visits[i], "met", met_of(r));
		cJSON *fnd = cJSON_GetObjectItemCaseSensitive(visits[i], "findings");
		int nf = range(r, 1, 3);
		for (int f = 0; f < nf; f++) {
			char *s = finding_of(r);
			cJSON_AddItemToArray(fnd, cJSON_CreateString(s));
			free(s);
		}
	}

	/* Issues found on those visits. */
	for (i = 0; i < ni; i++) {
		int v = (int)below(r, (unsigned)nv);
		const char *domain = chance(r, 700) ? vdom[v] : pick_domain(r);
		long long it = at(vday[v], 17, 0, 0) + range(r, 600, 7200);
		struct issue *is = xcalloc(1, sizeof(*is));
		is->o = o;
		is->rec = new_rec(FL_ISSUE, o->id, it, r, id);
		is->updated = it;
		set_own(is->rec, "title", title_of(r, domain, vwhere[v]));
		set_own(is->rec, "description", sentences(r, 2, 5, domain, vwhere[v]));
		fl_json_set_str(is->rec, "domain", domain);
		cJSON *cs = cJSON_GetObjectItemCaseSensitive(is->rec, "communes");
		cJSON_AddItemToArray(cs, cJSON_CreateString(vwhere[v]->code));
		if (o->narea > 1 && chance(r, 200)) {
			const struct fl_commune *c2 = o->area[below(r, (unsigned)o->narea)];
			if (c2 != vwhere[v])
				cJSON_AddItemToArray(cs, cJSON_CreateString(c2->code));
		}
		unsigned sv = below(r, 100);
		fl_json_set_str(is->rec, "severity", sv < 30 ? "low" : sv < 70 ? "medium" :
				sv < 92 ? "high" : "urgent");
		if (chance(r, 150)) {
			fl_json_set_str(is->rec, "status", "in_progress");
			char *a = xstrfmt("Đã %s.", PICK(r, actions_taken));
			set_own(is->rec, "actions", a);
		}
		unsigned p = below(r, 100);
		is->plan = p < 55 ? 0 : p < 75 ? 1 : 2;
		is->reviewer = (int)below(r, 1u << 30);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(visits[v], "issues"),
				     cJSON_CreateString(id));
		put(g, is->rec, 1);
		officer_take(o, is);
		o->opened++;
	}
	for (i = 0; i < nv; i++) {
		put(g, visits[i], 1);
		cJSON_Delete(visits[i]);
	}
}

/* One step of an issue's life. Returns 1 when the issue needs no more work. */
static int issue_step(struct gen *g, struct issue *is, long long t)
{
	struct officer *o = is->o;
	struct rng *r = &o->rng;
	cJSON *rec = is->rec;
	const char *st = fl_json_str(rec, "status");
	int done = 0;

	if (is->closed_by_reviewer)
		return 1;
	if (is->awaiting)
		return 0;
	if (is->answered) {
		/* The Ministry answered: settle it locally, then close. */
		if (!strcmp(st, "escalated")) {
			fl_json_set_str(rec, "status", "resolved");
			fl_json_set_str(rec, "resolution", resolutions[FL_ARRAY_SIZE(resolutions) - 1]);
			o->resolved++;
		} else {
			fl_json_set_str(rec, "status", "closed");
			done = 1;
		}
	} else if (is->plan == 0 || is->plan == 1) {
		/* 0: settled locally; 1: escalated to the Ministry. */
		if (!strcmp(st, "open")) {
			fl_json_set_str(rec, "status", "in_progress");
			set_own(rec, "actions", xstrfmt("Đã %s.", PICK(r, actions_taken)));
		} else if (!strcmp(st, "in_progress") && is->plan == 0) {
			fl_json_set_str(rec, "status", "resolved");
			fl_json_set_str(rec, "resolution", PICK(r, resolutions));
			o->resolved++;
		} else if (!strcmp(st, "in_progress")) {
			fl_json_set_str(rec, "status", "escalated");
			set_own(rec, "escalation", xstrfmt("Đề nghị %s hướng dẫn %s.",
							   PICK(r, authorities), PICK(r, requests)));
			is->awaiting = 1;
			o->escalated++;
			if (g->nawaiting == g->aawaiting) {
				g->aawaiting = g->aawaiting ? 2 * g->aawaiting : 64;
				g->awaiting = xrealloc(g->awaiting, g->aawaiting * sizeof(*g->awaiting));
			}
			g->awaiting[g->nawaiting++] = is;
		} else if (!strcmp(st, "resolved") && chance(r, 500)) {
			fl_json_set_str(rec, "status", "closed");
			done = 1;
		} else {
			done = 1;    /* resolved and left so */
		}
	} else {
		/* 2: lingers, with comments and a changed severity, then settles. */
		switch (is->step) {
		case 0: case 3:
			add_comment(o, rec, t);
			break;
		case 1: {
			static const char *const sev[] = { "low", "medium", "high", "urgent" };
			const char *now = fl_json_str(rec, "severity"), *to;
			do
				to = PICK(r, sev);
			while (!strcmp(to, now));
			fl_json_set_str(rec, "severity", to);
			break;
		}
		case 2:
			if (!strcmp(st, "open")) {
				fl_json_set_str(rec, "status", "in_progress");
				set_own(rec, "actions", xstrfmt("Đã %s.", PICK(r, actions_taken)));
			} else {
				add_comment(o, rec, t);
			}
			break;
		default:
			fl_json_set_str(rec, "status", "resolved");
			fl_json_set_str(rec, "resolution", PICK(r, resolutions));
			o->resolved++;
			done = 1;
			break;
		}
	}
	is->step++;
	if (is->plan != 2 && chance(r, 350))
		add_comment(o, rec, t);
	set_time(rec, "updated_at", t);
	is->updated = t;
	put(g, rec, 0);
	return done;
}

/* Friday: the plan's outcome, steps on open issues, the weekly report. */
static void officer_week_edits(struct gen *g, struct officer *o, const char *week,
			       int report_responses)
{
	struct rng *r = &o->rng;
	long fri = week_daynum(week, 5);
	int planned = 0, ndone = 0, cancelled = 0, i = 0;
	cJSON *e;

	/* The schedule's outcome. */
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o->sched, "entries")) {
		int state = i < o->nvisits || chance(r, 500) ? 1 : chance(r, 600) ? 2 : 0;
		fl_json_set_str(e, "state", fl_entry_states[state]);
		if (state == 2)
			fl_json_set_str(e, "note", PICK(r, cancel_notes));
		planned++;
		ndone += state == 1;
		cancelled += state == 2;
		i++;
	}
	set_time(o->sched, "updated_at", time_in(r, fri, 15, 17));
	put(g, o->sched, 0);
	cJSON_Delete(o->sched);
	o->sched = NULL;

	/* Issues: most move one step a week. */
	size_t k = 0;
	for (size_t j = 0; j < o->nact; j++) {
		struct issue *is = o->act[j];
		long long t = time_in(r, fri, 13, 18);
		if (t <= is->updated)
			t = is->updated + range(r, 600, 3600);
		if (!is->awaiting && (is->answered || is->closed_by_reviewer || chance(r, 750)) &&
		    issue_step(g, is, t)) {
			cJSON_Delete(is->rec);
			free(is);
			continue;
		}
		o->act[k++] = is;
	}
	o->nact = k;

	/* The weekly report, most weeks. */
	if (chance(r, 900)) {
		char id[FL_ID_LEN + 1];
		long long t = time_in(r, fri, 16, 17);
		cJSON *rep = new_rec(FL_REPORT, o->id, t, r, id);
		fl_json_set_str(rep, "week", week);
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "Trong tuần, đã thực hiện %d/%d hoạt động theo kế hoạch, làm việc tại %d lượt xã, phường.",
			    ndone, planned, o->nvisits);
		strbuf_addf(&sb, " Phát sinh %d vướng mắc mới, %d vướng mắc đã được giải quyết, %d vướng mắc đề nghị Bộ hướng dẫn.",
			    o->opened, o->resolved, o->escalated);
		if (chance(r, 600))
			sentence(&sb, r, pick_domain(r), o->home);
		set_own(rep, "summary", strbuf_detach(&sb, NULL));
		cJSON *fig = cJSON_GetObjectItemCaseSensitive(rep, "figures");
		cJSON_AddNumberToObject(fig, "planned", planned);
		cJSON_AddNumberToObject(fig, "done", ndone);
		cJSON_AddNumberToObject(fig, "cancelled", cancelled);
		cJSON_AddNumberToObject(fig, "visits", o->nvisits);
		cJSON_AddNumberToObject(fig, "issues_opened", o->opened);
		cJSON_AddNumberToObject(fig, "issues_escalated", o->escalated);
		cJSON_AddNumberToObject(fig, "issues_resolved", o->resolved);
		set_time(rep, "submitted_at", t + range(r, 60, 1800));
		put(g, rep, 1);
		if (report_responses && chance(r, 50)) {
			if (g->ntargets == g->atargets) {
				g->atargets = g->atargets ? 2 * g->atargets : 64;
				g->targets = xrealloc(g->targets, g->atargets * sizeof(*g->targets));
			}
			memcpy(g->targets[g->ntargets].id, id, sizeof(id));
			g->targets[g->ntargets].reviewer = (int)below(r, (unsigned)g->nrev);
			g->ntargets++;
		}
		cJSON_Delete(rep);
	}
}

/* Saturday: each reviewer answers escalated issues and a few reports. */
static void reviewers_week(struct gen *g, const char *week)
{
	long sat = week_daynum(week, 6);
	for (size_t ri = 0; ri < g->nrev; ri++) {
		struct reviewer *rv = &g->rev[ri];
		struct rng *r = &rv->rng;
		char id[FL_ID_LEN + 1], *msg;
		size_t n = 0, k = 0;

		for (size_t j = 0; j < g->nawaiting; j++) {
			struct issue *is = g->awaiting[j];
			if ((size_t)is->reviewer % g->nrev != ri || !chance(r, 800)) {
				g->awaiting[k++] = is;
				continue;
			}
			long long t = time_in(r, sat, 8, 12);
			cJSON *resp = new_rec(FL_RESPONSE, rv->id, t, r, id);
			fl_json_set_str(resp, "target", fl_json_str(is->rec, "id"));
			fl_json_set_str(resp, "target_kind", "issue");
			int closes = chance(r, 150);
			fl_json_set_str(resp, "state", closes ? "closed" : "answered");
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "Bộ Nội vụ đã nhận được kiến nghị của %s về %s. ",
				    is->o->home->name, fl_json_str(is->rec, "title"));
			add_guidance(&sb, r);
			set_own(resp, "text", strbuf_detach(&sb, NULL));
			put(g, resp, 1);
			cJSON_Delete(resp);
			is->awaiting = 0;
			if (closes)
				is->closed_by_reviewer = 1;
			else
				is->answered = 1;
			n++;
		}
		g->nawaiting = k;

		k = 0;
		for (size_t j = 0; j < g->ntargets; j++) {
			if (g->targets[j].reviewer != (int)ri) {
				g->targets[k++] = g->targets[j];
				continue;
			}
			long long t = time_in(r, sat, 13, 17);
			cJSON *resp = new_rec(FL_RESPONSE, rv->id, t, r, id);
			fl_json_set_str(resp, "target", g->targets[j].id);
			fl_json_set_str(resp, "target_kind", "report");
			int ok = chance(r, 750);
			fl_json_set_str(resp, "state", ok ? "approved" : "has_issues");
			fl_json_set_str(resp, "text", ok ? "Báo cáo đầy đủ, đúng thời hạn. Đề nghị tiếp tục theo dõi các vướng mắc còn tồn đọng."
					: "Đề nghị bổ sung số liệu về hồ sơ quá hạn và làm rõ nguyên nhân các hoạt động bị hủy trong tuần.");
			put(g, resp, 1);
			cJSON_Delete(resp);
			n++;
		}
		g->ntargets = k;
		msg = xstrfmt("responses %s: %zu answers by %s", week, n, rv->id);
		char *email = xstrfmt("%s@fieldlog", rv->id);
		commit(g, g->authors ? &rv->tip : &g->main, msg, rv->name, email,
		       at(sat, 18, 0, (int)ri));
		free(email);
		free(msg);
	}
}

/* --- people and the roster ---------------------------------------------------- */

struct province_communes {
	const struct fl_commune **v;
	size_t n;
	size_t officers;
};

static struct province_communes *communes_by_province(void)
{
	const struct fl_refdata *rd = fl_refdata();
	struct province_communes *pc = xcalloc(rd->nprovinces, sizeof(*pc));
	for (size_t p = 0; p < rd->nprovinces; p++) {
		pc[p].v = xcalloc(rd->ncommunes, sizeof(*pc[p].v));
		for (size_t c = 0; c < rd->ncommunes; c++)
			if (!strcmp(rd->communes[c].province_code, rd->provinces[p].code))
				pc[p].v[pc[p].n++] = &rd->communes[c];
	}
	return pc;
}

static size_t province_index(const char *code)
{
	const struct fl_refdata *rd = fl_refdata();
	for (size_t p = 0; p < rd->nprovinces; p++)
		if (!strcmp(rd->provinces[p].code, code))
			return p;
	return 0;
}

/*
 * The officers of a profile. Communes are dealt round-robin over the
 * provinces (the first commune of each province, then the second, ...);
 * officer i takes the i-th as home commune and works in it and the
 * communes that follow it in its province.
 */
static void make_officers(struct gen *g, size_t n, struct province_communes *pc)
{
	const struct fl_refdata *rd = fl_refdata();
	const struct fl_commune **order = xcalloc(rd->ncommunes, sizeof(*order));
	size_t *home_idx = xcalloc(rd->ncommunes, sizeof(*home_idx));
	size_t no = 0;

	for (size_t rank = 0; no < rd->ncommunes; rank++)
		for (size_t p = 0; p < rd->nprovinces; p++)
			if (rank < pc[p].n) {
				home_idx[no] = rank;
				order[no++] = pc[p].v[rank];
			}
	g->off = xcalloc(n, sizeof(*g->off));
	g->noff = n;
	for (size_t i = 0; i < n; i++)
		pc[province_index(order[i % no]->province_code)].officers++;
	for (size_t i = 0; i < n; i++) {
		struct officer *o = &g->off[i];
		const struct fl_commune *home = order[i % no];
		size_t p = province_index(home->province_code), cnt = pc[p].n;
		size_t per = pc[p].officers ? cnt / pc[p].officers : cnt, want;
		struct strbuf id = STRBUF_INIT;
		int female;
		char given[96];

		rng_init(&o->rng, g->seed, i + 1);
		person_name(o->name, &o->rng, &female);
		o->prov = &rd->provinces[p];
		o->home = home;
		want = per < 8 ? 8 : per;
		if (want > cnt)
			want = cnt;
		o->area = xcalloc(want, sizeof(*o->area));
		for (size_t k = 0; k < want; k++)
			o->area[k] = pc[p].v[(home_idx[i % no] + k) % cnt];
		o->narea = want;
		/* id: given.family.<home commune code>, e.g. lan.nguyen.00004 */
		const char *sp = strrchr(o->name, ' ');
		snprintf(given, sizeof(given), "%s", sp ? sp + 1 : o->name);
		ascii_part(&id, given);
		strbuf_addch(&id, '.');
		char fam[96];
		snprintf(fam, sizeof(fam), "%.*s", (int)strcspn(o->name, " "), o->name);
		ascii_part(&id, fam);
		strbuf_addf(&id, ".%s", home->code);
		if (i >= no)
			strbuf_addf(&id, ".%zu", i / no);
		snprintf(o->id, sizeof(o->id), "%s", id.buf);
		strbuf_release(&id);
	}
	free(order);
	free(home_idx);
}

static void make_reviewers(struct gen *g, size_t n)
{
	g->rev = xcalloc(n, sizeof(*g->rev));
	g->nrev = n;
	for (size_t i = 0; i < n; i++) {
		struct reviewer *rv = &g->rev[i];
		struct strbuf id = STRBUF_INIT;
		int female;
		rng_init(&rv->rng, g->seed, 1000000 + i);
		person_name(rv->name, &rv->rng, &female);
		const char *sp = strrchr(rv->name, ' ');
		strbuf_addstr(&id, "bnv.");
		ascii_part(&id, sp ? sp + 1 : rv->name);
		strbuf_addf(&id, ".%zu", i + 1);
		snprintf(rv->id, sizeof(rv->id), "%s", id.buf);
		strbuf_release(&id);
	}
}

static int cmp_person(const void *a, const void *b)
{
	return strcmp(fl_json_str(*(cJSON *const *)a, "id"), fl_json_str(*(cJSON *const *)b, "id"));
}

static cJSON *person(const struct gen *g, const char *id, const char *name, const char *role,
		     const char *prov)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "id", id);
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "role", role);
	cJSON *pv = cJSON_AddArrayToObject(p, "provinces");
	if (prov)
		cJSON_AddItemToArray(pv, cJSON_CreateString(prov));
	cJSON_AddStringToObject(p, "login", id);
	if (g->sign) {
		char *line = person_key_line(id);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "keys"), cJSON_CreateString(line));
		free(line);
	}
	return p;
}

/* roster.json with our people added to `old` (may be NULL), sorted by id. */
static char *roster_text(struct gen *g, cJSON *old)
{
	cJSON *roster = old ? old : cJSON_CreateObject();
	cJSON *people;
	size_t n = 0, i;

	if (!old) {
		cJSON_AddNumberToObject(roster, "schema", 1);
		cJSON_AddItemToObject(roster, "people", cJSON_CreateArray());
	}
	if (g->sign && !cJSON_GetObjectItemCaseSensitive(roster, "require_signatures"))
		cJSON_AddTrueToObject(roster, "require_signatures");
	people = cJSON_GetObjectItemCaseSensitive(roster, "people");
	for (i = 0; i < g->noff + g->nrev; i++) {
		const char *id = i < g->noff ? g->off[i].id : g->rev[i - g->noff].id;
		const cJSON *p;
		int have = 0;
		cJSON_ArrayForEach(p, people)
			if (!strcmp(fl_json_str(p, "id"), id))
				have = 1;
		if (have)
			continue;
		if (i < g->noff)
			cJSON_AddItemToArray(people, person(g, id, g->off[i].name, "officer",
							    g->off[i].prov->code));
		else
			cJSON_AddItemToArray(people, person(g, id, g->rev[i - g->noff].name,
							    "reviewer", NULL));
	}
	n = (size_t)cJSON_GetArraySize(people);
	cJSON **v = xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = cJSON_DetachItemFromArray(people, 0);
	qsort(v, n, sizeof(*v), cmp_person);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(people, v[i]);
	free(v);
	char *text = fl_json_canonical(roster);
	cJSON_Delete(roster);
	return text;
}

/* --- the repository ---------------------------------------------------------- */

static void set_server_config(git_repository *repo)
{
	static const char *const keys[] = {
		"receive.denyDeletes", "receive.denyNonFastForwards",
		"receive.fsckObjects", "http.receivepack",
	};
	git_config *cfg = NULL, *local = NULL;
	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0)
		die_git("cannot open the repository's config");
	for (size_t i = 0; i < FL_ARRAY_SIZE(keys); i++)
		if (git_config_set_bool(local, keys[i], 1) < 0)
			die_git("cannot write the repository's config");
	git_config_free(local);
	git_config_free(cfg);
}

enum { LAYOUT_ASK = -1, LAYOUT_SINGLE = 0, LAYOUT_AUTHORS = 1 };
static const char *const layout_names[] = { "single", "authors" };

/*
 * The layout of an existing repository: single when main holds anything
 * besides roster.json, authors when there is an author's branch, else
 * LAYOUT_ASK (a roster alone fits both).
 */
static int repo_layout(struct gen *g)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int layout = LAYOUT_ASK;

	if (g->main.have) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		if (git_commit_lookup(&c, g->repo, &g->main.id) < 0 || git_commit_tree(&t, c) < 0)
			die_git("cannot read main");
		if (git_tree_entrycount(t) > 1 || (git_tree_entrycount(t) == 1 &&
						   !git_tree_entry_byname(t, "roster.json")))
			layout = LAYOUT_SINGLE;
		git_tree_free(t);
		git_commit_free(c);
	}
	if (layout == LAYOUT_ASK &&
	    git_reference_iterator_glob_new(&it, g->repo, FL_CENTRAL_AUTHORS "*") == 0 &&
	    git_reference_next(&ref, it) == 0)
		layout = LAYOUT_AUTHORS;
	git_reference_free(ref);
	git_reference_iterator_free(it);
	fl_clear_error();
	return layout;
}

/*
 * Opens or creates DIR, reads main, settles the layout (`layout` as asked,
 * LAYOUT_ASK for the repository's own or else authors), sets up the object
 * store.
 */
static int open_repo(struct gen *g, const char *dir, int layout, int *created)
{
	struct stat st;
	int e;

	*created = stat(dir, &st) < 0;
	fl_store_global_init();
	e = *created ? fl_store_init(&g->store, dir) : fl_store_open(&g->store, dir);
	if (e < 0)
		return e;
	/* Bulk writing: no fsync per ref update, no re-hashing of what we read. */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	g->repo = fl_store_repo(g->store);
	if (*created)
		set_server_config(g->repo);
	g->main.have = fl_store_ref(&g->main.id, g->store, FL_BRANCH) == 0;
	fl_clear_error();
	/* Left by an interrupted run of a generator of format 3 or older. */
	git_reference_remove(g->repo, WORK_REF);
	fl_clear_error();

	int have = *created ? LAYOUT_ASK : repo_layout(g);
	if (layout != LAYOUT_ASK && have != LAYOUT_ASK && layout != have)
		return fl_error(FL_ERROR, "'%s' has the %s layout, not the %s one", dir,
				layout_names[have], layout_names[layout]);
	g->authors = (layout != LAYOUT_ASK ? layout : have != LAYOUT_ASK ? have
				       : LAYOUT_AUTHORS) == LAYOUT_AUTHORS;

	/* New objects stay in memory until flush_pack(). */
	return fl_store_batch_begin_bulk(g->store);
}

/* Where an author's branch is now (authors layout), in t. */
static void load_tip(struct gen *g, const char *author, struct tip *t)
{
	char *ref = xstrfmt(FL_CENTRAL_AUTHORS "%s", author);
	t->have = git_reference_name_to_id(&t->id, g->repo, ref) == 0;
	t->moved = 0;
	fl_clear_error();
	free(ref);
}

/* Points ref at t if t moved during the run. */
static void store_tip(struct gen *g, const char *ref, struct tip *t, const char *msg)
{
	git_reference *r = NULL;
	if (!t->moved)
		return;
	if (git_reference_create(&r, g->repo, ref, &t->id, 1, msg) < 0)
		die_git("cannot update a branch");
	git_reference_free(r);
	t->moved = 0;
}

static void store_author_tip(struct gen *g, const char *author, struct tip *t, const char *msg)
{
	char *ref;
	if (!t->moved)
		return;
	ref = xstrfmt(FL_CENTRAL_AUTHORS "%s", author);
	store_tip(g, ref, t, msg);
	g->refs++;
	free(ref);
}

/*
 * Writes the last pack, then the branches that moved; authors' branches
 * are then packed into packed-refs, as `git gc` (or `git pack-refs`) on
 * the server would: 3,331 loose ref files are not what a served
 * repository looks like.
 */
static void finish_repo(struct gen *g, const char *msg)
{
	flush_pack(g, 1);
	store_tip(g, FL_BRANCH, &g->main, msg);
	for (size_t i = 0; i < g->noff; i++)
		store_author_tip(g, g->off[i].id, &g->off[i].tip, msg);
	for (size_t i = 0; i < g->nrev; i++)
		store_author_tip(g, g->rev[i].id, &g->rev[i].tip, msg);
	if (g->refs) {
		git_refdb *db = NULL;
		if (git_repository_refdb(&db, g->repo) < 0 || git_refdb_compress(db) < 0)
			die_git("cannot pack the refs");
		git_refdb_free(db);
	}
}

/* The roster on main, parsed (NULL when there is none). */
static cJSON *read_roster(struct gen *g)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *r = NULL;
	if (g->main.have && fl_store_read_path(&sb, g->store, &g->main.id, "roster.json") == 0)
		fl_json_parse(&r, sb.buf, sb.len);
	fl_clear_error();
	strbuf_release(&sb);
	return r;
}

/* --- profiles ------------------------------------------------------------------ */

struct profile {
	const char *name;
	size_t officers, weeks, reviewers;
};

static const struct profile profiles[] = {
	{ "pilot", 34, 9, 3 },
	{ "100k", 3321, 4, 10 },
	{ "1m", 3321, 41, 10 },
};

static void print_summary(struct gen *g, const char *what, double secs, int json)
{
	size_t total = 0;
	for (int k = 0; k < FL_NKINDS; k++)
		total += g->records[k];
	if (json) {
		printf("{\"what\": \"%s\", \"records\": %zu, \"schedule\": %zu, \"visit\": %zu, "
		       "\"issue\": %zu, \"report\": %zu, \"response\": %zu, \"versions\": %zu, "
		       "\"commits\": %zu, \"layout\": \"%s\", \"author_refs\": %zu, \"packs\": %zu, "
		       "\"officers\": %zu, \"reviewers\": %zu, \"seconds\": %.2f, \"format\": %d}\n",
		       what, total, g->records[FL_SCHEDULE], g->records[FL_VISIT],
		       g->records[FL_ISSUE], g->records[FL_REPORT], g->records[FL_RESPONSE],
		       g->versions, g->commits, layout_names[g->authors], g->refs, g->packs,
		       g->noff, g->nrev, secs, GEN_FORMAT);
		return;
	}
	printf("%s: %zu records (%zu schedules, %zu visits, %zu issues, %zu reports, "
	       "%zu responses), %zu versions in %zu commits, %s layout",
	       what, total, g->records[FL_SCHEDULE], g->records[FL_VISIT], g->records[FL_ISSUE],
	       g->records[FL_REPORT], g->records[FL_RESPONSE], g->versions, g->commits,
	       layout_names[g->authors]);
	if (g->authors)
		printf(" (%zu authors' branches moved)", g->refs);
	printf(", %.1f s\n", secs);
}

static double since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * A commit of the week's work of n officers of province `code` on t: by
 * the officer when n is 1 (first is that officer), else by the generator.
 */
static void week_commit(struct gen *g, struct tip *t, const char *week, const char *code,
			size_t n, const struct officer *first, const char *what, long long when)
{
	char *email = n == 1 ? xstrfmt("%s@fieldlog", first->id) : xstrdup("generate@fieldlog");
	char *msg = xstrfmt("week %s, province %s: %s of %zu officer%s", week, code, what, n,
			    n == 1 ? "" : "s");
	commit(g, t, msg, n == 1 ? first->name : "fieldlog generate", email, when);
	free(msg);
	free(email);
}

static int run_profile(struct gen *g, const struct profile *pf, const char *dir, int layout,
		       int json)
{
	struct province_communes *pc = communes_by_province();
	const struct fl_refdata *rd = fl_refdata();
	struct timespec t0;
	int created;
	char week[9];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	make_officers(g, pf->officers, pc);
	make_reviewers(g, pf->reviewers);
	if (open_repo(g, dir, layout, &created) < 0)
		return fail();
	if (g->authors && !created) {   /* people of an earlier run go on */
		for (size_t i = 0; i < g->noff; i++)
			load_tip(g, g->off[i].id, &g->off[i].tip);
		for (size_t i = 0; i < g->nrev; i++)
			load_tip(g, g->rev[i].id, &g->rev[i].tip);
	}

	/* The roster first, written by the admin the day before the first week. */
	fl_week_add(week, END_WEEK, -(int)(pf->weeks - 1));
	{
		char *text = roster_text(g, read_roster(g));
		struct fl_write w = { "roster.json", text, strlen(text) };
		struct fl_sig sig = { "fieldlog admin", "admin@fieldlog",
				      at(week_daynum(week, 1) - 1, 9, 0, 0), 7 * 60 };
		git_oid out;
		char *msg = xstrfmt("roster: %zu officers, %zu reviewers (fieldlog generate --profile %s)",
				    g->noff, g->nrev, pf->name);
		fl_store_set_signer(g->store, NULL);   /* the admin's: not a person's */
		if (fl_store_commit(&out, g->store, NULL, g->main.have ? &g->main.id : NULL,
				    g->main.have ? 1 : 0, &w, 1, msg, &sig) < 0)
			return fail();
		git_oid_cpy(&g->main.id, &out);
		g->main.have = g->main.moved = 1;
		g->commits++;
		free(msg);
		free(text);
	}

	for (size_t wk = 0; wk < pf->weeks; wk++) {
		fl_week_add(week, END_WEEK, (int)wk - (int)(pf->weeks - 1));
		long fri = week_daynum(week, 5);
		for (size_t p = 0; p < rd->nprovinces; p++) {
			const char *code = rd->provinces[p].code;
			long long t_new = at(fri, 12, 0, (int)p), t_edit = at(fri, 18, 0, (int)p);
			size_t n = 0, first = 0;
			/*
			 * The same calls in the same order in both layouts (so the
			 * same records): the province's new records, then its edits.
			 */
			for (size_t i = 0; i < g->noff; i++) {
				struct officer *o = &g->off[i];
				if (o->prov != &rd->provinces[p])
					continue;
				if (!n++)
					first = i;
				officer_week_new(g, o, week);
				if (g->authors)
					week_commit(g, &o->tip, week, code, 1, o, "new records", t_new);
			}
			if (!n)
				continue;
			if (!g->authors)
				week_commit(g, &g->main, week, code, n, &g->off[first], "new records",
					    t_new);
			for (size_t i = 0; i < g->noff; i++) {
				struct officer *o = &g->off[i];
				if (o->prov != &rd->provinces[p])
					continue;
				officer_week_edits(g, o, week, 1);
				if (g->authors)
					week_commit(g, &o->tip, week, code, 1, o, "edits and reports",
						    t_edit);
			}
			if (!g->authors)
				week_commit(g, &g->main, week, code, n, &g->off[first],
					    "edits and reports", t_edit);
		}
		reviewers_week(g, week);
		if (!json) {
			size_t act = 0;
			for (size_t i = 0; i < g->noff; i++)
				act += g->off[i].nact;
			fprintf(stderr, "generate: week %s (%zu/%zu), %zu commits, %zu open issues, "
				"%zu awaiting, %zu packs, %.1f s\n", week, wk + 1, pf->weeks, g->commits,
				act, g->nawaiting, g->packs, since(&t0));
		}
	}
	char *msg = xstrfmt("fieldlog generate --profile %s", pf->name);
	finish_repo(g, msg);
	free(msg);
	print_summary(g, pf->name, since(&t0), json);

	for (size_t p = 0; p < rd->nprovinces; p++)
		free(pc[p].v);
	free(pc);
	return EXIT_OK;
}

/* --- append mode ------------------------------------------------------------------ */

/*
 * The time of the latest commit on any branch: main's tip in the single
 * layout, the latest author's in the authors layout (main holds only the
 * roster there), so that both layouts append the same records.
 */
static long long latest_commit_time(struct gen *g)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	long long last = 0;

	if (git_reference_iterator_glob_new(&it, g->repo, "refs/heads/*") < 0)
		die_git("cannot list the branches");
	while (git_reference_next(&ref, it) == 0) {
		git_commit *c = NULL;
		const git_oid *id = git_reference_target(ref);
		if (id && git_commit_lookup(&c, g->repo, id) == 0 &&
		    (long long)git_commit_time(c) > last)
			last = (long long)git_commit_time(c);
		git_commit_free(c);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	fl_clear_error();
	return last;
}

static int run_append(struct gen *g, const char *dir, size_t nrec, size_t nauthors,
		      const char *exclude, int layout, int json)
{
	struct province_communes *pc = communes_by_province();
	struct timespec t0;
	int created;
	cJSON *roster;
	const cJSON *p;
	size_t nofficers = 0, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (open_repo(g, dir, layout, &created) < 0)
		return fail();
	if (created || !g->main.have)
		return error_exit("'%s' has no records to append to (use --profile first)", dir);
	if (!(roster = read_roster(g)))
		return error_exit("no valid roster.json on main in '%s'", dir);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people"))
		nofficers += !strcmp(fl_json_str(p, "role"), "officer") &&
			     (!exclude || strcmp(fl_json_str(p, "id"), exclude));
	if (!nofficers)
		return error_exit("the roster has no officers");
	if (!nauthors || nauthors > nofficers)
		nauthors = nofficers < nrec ? nofficers : nrec;

	/* The authors: evenly spread over the roster (sorted by id). */
	const cJSON **all = xcalloc(nofficers, sizeof(*all));
	size_t k = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people"))
		if (!strcmp(fl_json_str(p, "role"), "officer") &&
		    (!exclude || strcmp(fl_json_str(p, "id"), exclude)))
			all[k++] = p;
	g->off = xcalloc(nauthors, sizeof(*g->off));
	g->noff = nauthors;
	for (i = 0; i < nauthors; i++) {
		const cJSON *pp = all[i * nofficers / nauthors];
		struct officer *o = &g->off[i];
		const char *prov = cJSON_GetStringValue(cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(pp, "provinces"), 0));
		size_t pi = province_index(prov ? prov : "01");
		snprintf(o->id, sizeof(o->id), "%s", fl_json_str(pp, "id"));
		snprintf(o->name, sizeof(o->name), "%s", fl_json_str(pp, "name"));
		o->prov = &fl_refdata()->provinces[pi];
		/* Their home is the commune in their id when there is one. */
		const char *dot = strrchr(o->id, '.');
		o->home = dot ? fl_commune_find(dot + 1) : NULL;
		if (!o->home || strcmp(o->home->province_code, o->prov->code))
			o->home = pc[pi].v[0];
		size_t hi = 0;
		while (hi < pc[pi].n && pc[pi].v[hi] != o->home)
			hi++;
		o->area = xcalloc(8, sizeof(*o->area));
		for (size_t c = 0; c < pc[pi].n && c < 8; c++)
			o->area[o->narea++] = pc[pi].v[(hi + c) % pc[pi].n];
		rng_init(&o->rng, g->seed, 2000000 + i);
		if (g->authors)
			load_tip(g, o->id, &o->tip);
	}
	free(all);

	/* The clock: the morning after the last commit. */
	long long last = latest_commit_time(g);
	long day = (long)((last + 7 * 3600) / 86400) + 1;
	long long t = at(day, 7, 30, 0), step = nrec ? (10LL * 3600) / (long long)nrec : 1;
	if (step < 1)
		step = 1;

	/* Author a writes its share in a row (one sync's worth), one commit each. */
	for (size_t a = 0, done = 0; a < nauthors; a++) {
		struct officer *o = &g->off[a];
		struct rng *r = &o->rng;
		size_t share = nrec / nauthors + (a < nrec % nauthors);
		char *email = xstrfmt("%s@fieldlog", o->id);
		for (size_t j = 0; j < share; j++, done++, t += step) {
			char id[FL_ID_LEN + 1], d[11], *msg;
			const struct fl_commune *c = area_commune(o);
			const char *domain = pick_domain(r);
			cJSON *rec;
			if (chance(r, 600)) {
				rec = new_rec(FL_VISIT, o->id, t, r, id);
				date_of(d, day);
				fl_json_set_str(rec, "date", d);
				fl_json_set_str(rec, "commune", c->code);
				struct strbuf sb = STRBUF_INIT;
				strbuf_addf(&sb, "Làm việc tại %s về %s.", c->name, object_of(r, domain));
				sentence(&sb, r, domain, c);
				set_own(rec, "summary", strbuf_detach(&sb, NULL));
				set_own(rec, "met", met_of(r));
				char *f = finding_of(r);
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rec, "findings"),
						     cJSON_CreateString(f));
				free(f);
				msg = xstrfmt("visit %s: new, %s", id, c->name);
			} else {
				rec = new_rec(FL_ISSUE, o->id, t, r, id);
				set_own(rec, "title", title_of(r, domain, c));
				set_own(rec, "description", sentences(r, 2, 5, domain, c));
				fl_json_set_str(rec, "domain", domain);
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rec, "communes"),
						     cJSON_CreateString(c->code));
				fl_json_set_str(rec, "severity", chance(r, 300) ? "high" : "medium");
				msg = xstrfmt("issue %s: new, %s", id, fl_json_str(rec, "title"));
			}
			put(g, rec, 1);
			cJSON_Delete(rec);
			commit(g, g->authors ? &o->tip : &g->main, msg, o->name, email, t);
			free(msg);
		}
		free(email);
		if (!json && (a % 100 == 99 || a + 1 == nauthors))
			fprintf(stderr, "\rgenerate: %zu/%zu records, %.0f s", done, nrec, since(&t0));
	}
	if (!json)
		fputc('\n', stderr);
	char *msg = xstrfmt("fieldlog generate --append %zu", nrec);
	finish_repo(g, msg);
	free(msg);
	print_summary(g, "append", since(&t0), json);
	cJSON_Delete(roster);
	for (size_t q = 0; q < fl_refdata()->nprovinces; q++)
		free(pc[q].v);
	free(pc);
	return EXIT_OK;
}

/* --- the command ------------------------------------------------------------------ */

static int parse_count(const char *s, const char *what, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = s ? strtoull(s, &end, 10) : 0;
	if (!s)
		return 0;
	if (errno || end == s || *end || v > 100000000ULL)
		return error_exit("%s: '%s' is not a number", what, s);
	*out = (size_t)v;
	return 0;
}

int cmd__generate(int argc, const char **argv)
{
	static const char usage[] =
		"test-tool generate --repo DIR (--profile pilot|100k|1m | --append N) [--seed N]"
		" [--layout authors|single] [--officers N] [--weeks N] [--authors K] [--exclude ID]"
		" [--check N | --check-all] [--sign] [--json]\n"
		"   or: test-tool generate --print-key ID";
	const char *repo = NULL, *profile = NULL, *seed_s = NULL, *officers_s = NULL;
	const char *append_s = NULL, *authors_s = NULL, *exclude = NULL, *check_s = NULL, **pos;
	const char *weeks_s = NULL, *layout_s = NULL, *key_of = NULL;
	int layout = LAYOUT_ASK, npos, check_all = 0, json = 0, version = 0, sign = 0, rc;
	struct opt opts[] = {
		{ "repo", OPT_STR, &repo, "DIR", "the central repository (created if missing)" },
		{ "profile", OPT_STR, &profile, "P", "pilot (34 officers, 9 weeks), 100k or 1m (3,321 officers)" },
		{ "seed", OPT_STR, &seed_s, "N", "seed of the generator (default 1)" },
		{ "layout", OPT_STR, &layout_s, "L", "authors (a branch per author, the default) or single "
		  "(everything on main)" },
		{ "officers", OPT_STR, &officers_s, "N", "number of officers instead of the profile's" },
		{ "weeks", OPT_STR, &weeks_s, "N", "number of weeks instead of the profile's" },
		{ "append", OPT_STR, &append_s, "N", "append N new records, one commit each" },
		{ "authors", OPT_STR, &authors_s, "K", "with --append: written by K officers of the roster" },
		{ "exclude", OPT_STR, &exclude, "ID", "with --append: never write as this officer" },
		{ "check", OPT_STR, &check_s, "N", "check the first N files as the importer does (1000)" },
		{ "check-all", OPT_BOOL, &check_all, NULL, "check every file written" },
		{ "sign", OPT_BOOL, &sign, NULL, "give each person a key in the roster, require"
		  " signatures, sign each person's commits" },
		{ "print-key", OPT_STR, &key_of, "ID", "print the private key --sign gives ID" },
		{ "json", OPT_BOOL, &json, NULL, "print the summary as JSON" },
		{ "version", OPT_BOOL, &version, NULL, "print the output format's version (caches key on it)" },
		OPT_END
	};
	struct gen g;
	size_t seed = 1, officers = 0, weeks = 0, nappend = 0, nauthors = 0, check_n = 1000;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (version) {
		printf("%d\n", GEN_FORMAT);
		return EXIT_OK;
	}
	if (key_of) {
		if (sodium_init() < 0)
			return error_exit("cannot start libsodium");
		print_key(key_of);
		return EXIT_OK;
	}
	if (!repo)
		return usage_error(usage, "--repo is required");
	if (!profile == !append_s)
		return usage_error(usage, "give either --profile or --append");
	if (layout_s) {
		if (!strcmp(layout_s, "authors"))
			layout = LAYOUT_AUTHORS;
		else if (!strcmp(layout_s, "single"))
			layout = LAYOUT_SINGLE;
		else
			return usage_error(usage, "unknown layout '%s' (authors, single)", layout_s);
	}
	if ((rc = parse_count(seed_s, "--seed", &seed)) || (rc = parse_count(officers_s, "--officers", &officers)) ||
	    (rc = parse_count(weeks_s, "--weeks", &weeks)) ||
	    (rc = parse_count(append_s, "--append", &nappend)) ||
	    (rc = parse_count(authors_s, "--authors", &nauthors)) ||
	    (rc = parse_count(check_s, "--check", &check_n)))
		return rc;

	memset(&g, 0, sizeof(g));
	g.seed = (uint64_t)seed;
	g.check_n = (long)check_n;
	g.check_all = check_all;
	g.sign = sign;
	if (sign && sodium_init() < 0)
		return error_exit("cannot start libsodium");

	if (append_s) {
		rc = run_append(&g, repo, nappend, nauthors, exclude, layout, json);
	} else {
		const struct profile *pf = NULL;
		for (size_t i = 0; i < FL_ARRAY_SIZE(profiles); i++)
			if (!strcmp(profiles[i].name, profile))
				pf = &profiles[i];
		if (!pf)
			return usage_error(usage, "unknown profile '%s' (pilot, 100k, 1m)", profile);
		struct profile p = *pf;
		if (officers)
			p.officers = officers;
		if (weeks)
			p.weeks = weeks;
		rc = run_profile(&g, &p, repo, layout, json);
	}
	fl_store_free(g.store);
	return rc;
}
