#include "arbor/quant/calibration.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::quant {
namespace {

namespace dom = simdjson::dom;
__extension__ using int128 = __int128;

constexpr char kFormatName[] = "arbor.calibration";

// Index of the band holding `v` in `edges` ([e_i, e_i+1), last band closed), or -1.
template <typename T>
int BandOf(const std::vector<T>& edges, T v) {
  const int n = static_cast<int>(edges.size());
  if (n < 2 || v < edges.front() || v > edges.back()) return -1;
  for (int i = 0; i + 1 < n; ++i) {
    if (v < edges[i + 1]) return i;
  }
  return n - 2;  // v == last edge
}

absl::Status ValidateBands(const CalibrationBands& b) {
  if (b.price_edges.size() < 2 || b.time_edges.size() < 2) {
    return absl::InvalidArgumentError("calibration bands: need at least 2 edges per axis");
  }
  for (size_t i = 0; i < b.price_edges.size(); ++i) {
    const Price p = b.price_edges[i];
    if (p <= Price::Zero() || p > kPriceOne) {
      return absl::InvalidArgumentError(
          absl::StrCat("calibration bands: price edge ", p.ToString(), " outside (0, 1]"));
    }
    if (i > 0 && p <= b.price_edges[i - 1]) {
      return absl::InvalidArgumentError("calibration bands: price edges not strictly increasing");
    }
  }
  for (size_t i = 0; i < b.time_edges.size(); ++i) {
    const absl::Duration t = b.time_edges[i];
    if (t < absl::ZeroDuration() || t != absl::Seconds(absl::ToInt64Seconds(t))) {
      return absl::InvalidArgumentError(absl::StrCat("calibration bands: time edge ",
                                                     absl::FormatDuration(t),
                                                     " negative or not whole seconds"));
    }
    if (i > 0 && t <= b.time_edges[i - 1]) {
      return absl::InvalidArgumentError("calibration bands: time edges not strictly increasing");
    }
  }
  return absl::OkStatus();
}

absl::Status Errno(const char* call, const std::string& path, int err) {
  return absl::InternalError(
      absl::StrCat("calibration file ", path, ": ", call, ": ", std::strerror(err)));
}

// Writes all of `data` to `fd`, retrying short writes and EINTR.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Strict JSON reading helpers: every error names the field.
absl::Status JsonError(std::string_view where, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("calibration JSON: ", ToAbsl(where), ": ", ToAbsl(why)));
}

absl::StatusOr<int64_t> GetInt(dom::element e, std::string_view where) {
  int64_t v = 0;
  if (e.get_int64().get(v) != simdjson::SUCCESS) return JsonError(where, "expected an integer");
  return v;
}

}  // namespace

absl::StatusOr<double> NormalQuantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    return absl::InvalidArgumentError("NormalQuantile: p must be in (0, 1)");
  }
  // Acklam's coefficients.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x = 0;
  if (p < kLow || p > 1 - kLow) {
    const double q = std::sqrt(-2 * std::log(p < kLow ? p : 1 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - kLow) x = -x;
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // One Halley step on Φ(x) - p brings the 1e-9 relative error of the rational form to ~1e-15.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  x = x - u / (1 + x * u / 2);
  return x;
}

absl::StatusOr<WilsonInterval> WilsonScoreInterval(int64_t wins, int64_t samples, double level) {
  if (samples < 0 || wins < 0 || wins > samples) {
    return absl::InvalidArgumentError(
        absl::StrCat("WilsonScoreInterval: bad counts wins=", wins, " samples=", samples));
  }
  if (!(level > 0.0 && level < 1.0)) {
    return absl::InvalidArgumentError("WilsonScoreInterval: level must be in (0, 1)");
  }
  if (samples == 0) return WilsonInterval{0.0, 1.0};
  ARBOR_ASSIGN_OR_RETURN(const double z, NormalQuantile((1 + level) / 2));
  const double n = static_cast<double>(samples);
  const double phat = static_cast<double>(wins) / n;
  const double z2 = z * z;
  const double denom = 1 + z2 / n;
  const double centre = (phat + z2 / (2 * n)) / denom;
  const double half = z / denom * std::sqrt(phat * (1 - phat) / n + z2 / (4 * n * n));
  WilsonInterval w;
  w.low = std::max(0.0, centre - half);
  w.high = std::min(1.0, centre + half);
  return w;
}

CalibrationTable::CalibrationTable(CalibrationBands bands)
    : bands_(std::move(bands)), cells_(static_cast<size_t>(price_bands() * time_bands())) {}

absl::StatusOr<CalibrationTable> CalibrationTable::Create(CalibrationBands bands) {
  ARBOR_RETURN_IF_ERROR(ValidateBands(bands));
  return CalibrationTable(std::move(bands));
}

std::optional<std::pair<int, int>> CalibrationTable::BucketOf(Price price,
                                                              absl::Duration time_to_end) const {
  const int pb = BandOf(bands_.price_edges, price);
  const int tb = BandOf(bands_.time_edges, time_to_end);
  if (pb < 0 || tb < 0) return std::nullopt;
  return std::make_pair(pb, tb);
}

absl::Status CalibrationTable::Observe(Price price, absl::Duration time_to_end, bool won) {
  std::optional<std::pair<int, int>> b = BucketOf(price, time_to_end);
  if (!b.has_value()) {
    return absl::OutOfRangeError(absl::StrCat("calibration: no bucket for price ", price.ToString(),
                                              " at ", absl::FormatDuration(time_to_end),
                                              " to end"));
  }
  CalibrationCell& c = mutable_cell(b->first, b->second);
  ++c.samples;
  if (won) ++c.wins;
  return absl::OkStatus();
}

absl::StatusOr<CalibrationEstimate> CalibrationTable::Estimate(
    Price price, absl::Duration time_to_end, const CalibrationQuery& query) const {
  std::optional<std::pair<int, int>> b = BucketOf(price, time_to_end);
  if (!b.has_value()) {
    return absl::NotFoundError(absl::StrCat("calibration: no bucket for price ", price.ToString(),
                                            " at ", absl::FormatDuration(time_to_end), " to end"));
  }
  CalibrationEstimate e;
  e.price_band = b->first;
  e.time_band = b->second;
  e.level = query.level;
  const CalibrationCell& own = cell(e.price_band, e.time_band);
  e.samples = own.samples;
  e.wins = own.wins;
  e.raw_win_rate = own.samples > 0 ? static_cast<double>(own.wins) / own.samples : 0.0;
  e.pooled_samples = own.samples;
  e.pooled_wins = own.wins;

  if (query.isotonic && own.samples > 0) {
    // Pooled adjacent violators over the non-empty price bands of this time band: merge a block
    // into its left neighbour while the neighbour's rate is higher (compared exactly by
    // cross-multiplying counts), so rates end non-decreasing in price.
    struct Block {
      int64_t wins;
      int64_t samples;
      int first_band;  // lowest price band in the block
    };
    std::vector<Block> blocks;
    for (int pb = 0; pb < price_bands(); ++pb) {
      const CalibrationCell& c = cell(pb, e.time_band);
      if (c.samples == 0) continue;
      blocks.push_back({c.wins, c.samples, pb});
      while (blocks.size() >= 2) {
        const Block& r = blocks[blocks.size() - 1];
        const Block& l = blocks[blocks.size() - 2];
        // l.rate > r.rate  <=>  l.wins * r.samples > r.wins * l.samples
        if (static_cast<int128>(l.wins) * r.samples <= static_cast<int128>(r.wins) * l.samples)
          break;
        const Block merged{l.wins + r.wins, l.samples + r.samples, l.first_band};
        blocks.pop_back();
        blocks.back() = merged;
      }
    }
    for (size_t i = 0; i < blocks.size(); ++i) {
      const int next = i + 1 < blocks.size() ? blocks[i + 1].first_band : price_bands();
      if (e.price_band >= blocks[i].first_band && e.price_band < next) {
        e.pooled_wins = blocks[i].wins;
        e.pooled_samples = blocks[i].samples;
        break;
      }
    }
  }
  e.win_rate = e.pooled_samples > 0 ? static_cast<double>(e.pooled_wins) / e.pooled_samples : 0.0;
  ARBOR_ASSIGN_OR_RETURN(const WilsonInterval w,
                         WilsonScoreInterval(e.pooled_wins, e.pooled_samples, query.level));
  e.ci_low = w.low;
  e.ci_high = w.high;
  return e;
}

int64_t CalibrationTable::total_samples() const {
  int64_t n = 0;
  for (const CalibrationCell& c : cells_) n += c.samples;
  return n;
}

std::string CalibrationTable::ToJson() const {
  JsonWriter w;
  w.BeginObject().Key("format").String(kFormatName).Key("version").Int(kFormatVersion);
  w.Key("price_edges").BeginArray();
  for (const Price p : bands_.price_edges) w.String(p.ToString());
  w.EndArray().Key("time_edges_seconds").BeginArray();
  for (const absl::Duration t : bands_.time_edges) w.Int(absl::ToInt64Seconds(t));
  w.EndArray().Key("cells").BeginArray();
  for (int pb = 0; pb < price_bands(); ++pb) {
    for (int tb = 0; tb < time_bands(); ++tb) {
      const CalibrationCell& c = cell(pb, tb);
      if (c.samples == 0) continue;
      w.BeginObject()
          .Key("price_band")
          .Int(pb)
          .Key("time_band")
          .Int(tb)
          .Key("samples")
          .Int(c.samples)
          .Key("wins")
          .Int(c.wins)
          .EndObject();
    }
  }
  w.EndArray().EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

absl::StatusOr<CalibrationTable> CalibrationTable::FromJson(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (const simdjson::error_code ec = parser.parse(json.data(), json.size()).get(root);
      ec != simdjson::SUCCESS) {
    return JsonError("document", absl::StrCat("malformed JSON: ", simdjson::error_message(ec)));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return JsonError("document", "expected an object");
  }
  bool has_format = false, has_version = false, has_prices = false, has_times = false,
       has_cells = false;
  CalibrationBands bands;
  dom::array cells;
  for (dom::key_value_pair kv : obj) {
    const std::string_view key = kv.key;
    if (key == "format") {
      std::string_view v;
      if (kv.value.get_string().get(v) != simdjson::SUCCESS) {
        return JsonError("format", "expected a string");
      }
      if (v != kFormatName) {
        return JsonError("format", absl::StrCat("expected \"", kFormatName, "\", got \"",
                                                ToAbsl(Abbreviate(v)), "\""));
      }
      has_format = true;
    } else if (key == "version") {
      ARBOR_ASSIGN_OR_RETURN(const int64_t v, GetInt(kv.value, "version"));
      if (v != kFormatVersion) {
        return JsonError("version", absl::StrCat("unsupported version ", v, " (this build reads ",
                                                 kFormatVersion, ")"));
      }
      has_version = true;
    } else if (key == "price_edges") {
      dom::array a;
      if (kv.value.get_array().get(a) != simdjson::SUCCESS) {
        return JsonError("price_edges", "expected an array");
      }
      bands.price_edges.clear();
      for (dom::element item : a) {
        std::string_view text;
        if (item.get_string().get(text) != simdjson::SUCCESS) {
          return JsonError("price_edges", "expected decimal strings");
        }
        absl::StatusOr<Price> p = Price::Parse(text);
        if (!p.ok()) return JsonError("price_edges", std::string(p.status().message()));
        bands.price_edges.push_back(*p);
      }
      has_prices = true;
    } else if (key == "time_edges_seconds") {
      dom::array a;
      if (kv.value.get_array().get(a) != simdjson::SUCCESS) {
        return JsonError("time_edges_seconds", "expected an array");
      }
      bands.time_edges.clear();
      for (dom::element item : a) {
        ARBOR_ASSIGN_OR_RETURN(const int64_t s, GetInt(item, "time_edges_seconds"));
        bands.time_edges.push_back(absl::Seconds(s));
      }
      has_times = true;
    } else if (key == "cells") {
      if (kv.value.get_array().get(cells) != simdjson::SUCCESS) {
        return JsonError("cells", "expected an array");
      }
      has_cells = true;
    } else {
      return JsonError(key, "unknown key");
    }
  }
  if (!has_format) return JsonError("format", "missing");
  if (!has_version) return JsonError("version", "missing");
  if (!has_prices) return JsonError("price_edges", "missing");
  if (!has_times) return JsonError("time_edges_seconds", "missing");
  if (!has_cells) return JsonError("cells", "missing");
  if (absl::Status s = ValidateBands(bands); !s.ok()) {
    return JsonError("bands", std::string(s.message()));
  }

  CalibrationTable table(std::move(bands));
  std::vector<bool> seen(table.cells_.size(), false);
  int index = 0;
  for (dom::element item : cells) {
    const std::string where = absl::StrCat("cells[", index++, "]");
    dom::object c;
    if (item.get_object().get(c) != simdjson::SUCCESS)
      return JsonError(where, "expected an object");
    int64_t v[4] = {-1, -1, -1, -1};  // price_band, time_band, samples, wins
    static constexpr const char* kKeys[] = {"price_band", "time_band", "samples", "wins"};
    for (dom::key_value_pair kv : c) {
      const std::string_view key = kv.key;
      int k = 0;
      while (k < 4 && key != kKeys[k]) ++k;
      if (k == 4) return JsonError(where, absl::StrCat("unknown key \"", ToAbsl(key), "\""));
      ARBOR_ASSIGN_OR_RETURN(v[k], GetInt(kv.value, absl::StrCat(where, ".", kKeys[k])));
      if (v[k] < 0) return JsonError(where, absl::StrCat(kKeys[k], " is negative"));
    }
    for (int k = 0; k < 4; ++k) {
      if (v[k] < 0) return JsonError(where, absl::StrCat(kKeys[k], " missing"));
    }
    if (v[0] >= table.price_bands() || v[1] >= table.time_bands()) {
      return JsonError(where, "band index out of range");
    }
    if (v[3] > v[2]) return JsonError(where, "wins > samples");
    const size_t slot = static_cast<size_t>(v[0] * table.time_bands() + v[1]);
    if (seen[slot]) return JsonError(where, "bucket listed twice");
    seen[slot] = true;
    table.cells_[slot] = {v[2], v[3]};
  }
  return table;
}

absl::StatusOr<CalibrationTable> CalibrationTable::Load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(absl::StrCat("calibration file ", path, ": does not exist"));
    }
    return Errno("open", path, err);
  }
  std::string data;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Errno("read", path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  absl::StatusOr<CalibrationTable> t = FromJson(data);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("calibration file ", path, ": ", t.status().message()));
  }
  return t;
}

absl::Status CalibrationTable::Save(const std::string& path) const {
  const std::string tmp = absl::StrCat(path, ".tmp.", static_cast<int64_t>(::getpid()));
  const std::string data = ToJson();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open temp file", tmp, errno);
  if (!WriteAll(fd, data)) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Errno("write", tmp, err);
  }
  // The data must be on disk before the rename makes it the table, or a crash could leave an
  // empty file under the final name.
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Errno("fsync", tmp, err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Errno("close", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Errno("rename", path, err);
  }
  // Persist the directory entry too (the rename itself).
  const std::string dir = DirectoryOf(path);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("open directory", dir, errno);
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) return Errno("fsync directory", dir, err);
  return absl::OkStatus();
}

}  // namespace arbor::quant
