#include "badge/jose_json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <optional>
#include <set>
#include <vector>

namespace cairn::badge::jose_internal {
namespace {

// A basic_parser handler that only remembers the member names of each open object.
struct DuplicateFinder {
  // NOLINTNEXTLINE(readability-identifier-naming): Boost.JSON's handler concept names it
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  // NOLINTNEXTLINE(readability-identifier-naming): Boost.JSON's handler concept names it
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  // NOLINTNEXTLINE(readability-identifier-naming): Boost.JSON's handler concept names it
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  // NOLINTNEXTLINE(readability-identifier-naming): Boost.JSON's handler concept names it
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::vector<std::optional<std::set<std::string>>> open;  // nullopt for an array
  std::string key;
  std::string duplicate;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_array_begin(boost::json::error_code&) {
    open.emplace_back(std::nullopt);
    return true;
  }
  bool on_array_end(std::size_t, boost::json::error_code&) {
    open.pop_back();
    return true;
  }
  bool on_object_begin(boost::json::error_code&) {
    open.emplace_back(std::set<std::string>());
    return true;
  }
  bool on_object_end(std::size_t, boost::json::error_code&) {
    open.pop_back();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, boost::json::error_code&) {
    return true;
  }
  bool on_string(boost::json::string_view, std::size_t, boost::json::error_code&) { return true; }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    key.append(s.data(), s.size());
    if (!open.empty() && open.back().has_value() && !open.back()->insert(key).second) {
      duplicate = key;
      ec = boost::json::make_error_code(boost::json::error::syntax);
      return false;
    }
    key.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(int64_t, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_uint64(uint64_t, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_double(double, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_bool(bool, boost::json::error_code&) { return true; }
  bool on_null(boost::json::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

}  // namespace

Result<boost::json::object> ParseStrictObject(std::string_view text, std::string_view what) {
  const std::string where(what);
  boost::json::basic_parser<DuplicateFinder> finder{boost::json::parse_options{}};
  boost::json::error_code ec;
  const size_t used = finder.write_some(false, text.data(), text.size(), ec);
  if (!finder.handler().duplicate.empty()) {
    return InvalidArgument(where + ": member \"" + finder.handler().duplicate + "\" appears twice");
  }
  if (ec) {
    return InvalidArgument(where + ": not JSON (" + ec.message() + " at byte " +
                           std::to_string(used) + ")");
  }
  boost::json::value value = boost::json::parse(text, ec);
  if (ec) return InvalidArgument(where + ": not JSON (" + ec.message() + ")");
  if (!value.is_object()) return InvalidArgument(where + ": not a JSON object");
  return std::move(value.as_object());
}

std::string Quote(const boost::json::value& value) {
  std::string text = boost::json::serialize(value);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

}  // namespace cairn::badge::jose_internal
