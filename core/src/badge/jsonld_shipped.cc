#include "badge/jsonld_shipped.h"

#include <map>
#include <string>
#include <vector>

#include "cairn/badge/jsonld.h"

namespace cairn::badge::jsonld_internal {
namespace {

struct ParsedContexts {
  std::map<std::string, boost::json::value, std::less<>> by_url;
  std::string error;  // non-empty if an embedded file failed to parse (a build defect)
};

const ParsedContexts& Parsed() {
  static const ParsedContexts* const kParsed = [] {
    auto* parsed = new ParsedContexts();
    for (const ShippedContextFile& file : ShippedContextFiles()) {
      boost::system::error_code ec;
      boost::json::value value = boost::json::parse(file.bytes, ec);
      if (ec || !value.is_object()) {
        parsed->error = "the embedded context " + std::string(file.file_name) +
                        " is not a JSON object: " + ec.message();
        continue;
      }
      parsed->by_url.emplace(std::string(file.url), std::move(value));
    }
    return parsed;
  }();
  return *kParsed;
}

}  // namespace

Result<const boost::json::object*> ShippedContext(std::string_view url) {
  const ParsedContexts& parsed = Parsed();
  if (!parsed.error.empty()) return Internal(parsed.error);
  auto it = parsed.by_url.find(url);
  if (it == parsed.by_url.end()) {
    std::string shipped;
    for (const ShippedContextFile& file : ShippedContextFiles()) {
      if (!shipped.empty()) shipped += ", ";
      shipped += file.url;
    }
    return InvalidArgument(
        "the remote context \"" + std::string(url) +
        "\" is not one Cairn ships, and contexts are never fetched (shipped: " + shipped + ")");
  }
  return &it->second.as_object();
}

}  // namespace cairn::badge::jsonld_internal

namespace cairn::badge {

std::vector<std::string_view> ShippedContextUrls() {
  std::vector<std::string_view> urls;
  for (const jsonld_internal::ShippedContextFile& file : jsonld_internal::ShippedContextFiles()) {
    urls.push_back(file.url);
  }
  return urls;
}

}  // namespace cairn::badge
