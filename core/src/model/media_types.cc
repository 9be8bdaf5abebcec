#include "model/media_types.h"

#include <algorithm>
#include <cctype>

namespace cairn::model {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Drops parameters such as "; charset=utf-8".
std::string_view Essence(std::string_view media_type) {
  const size_t semicolon = media_type.find(';');
  std::string_view out = media_type.substr(0, semicolon);
  while (!out.empty() && out.back() == ' ') out.remove_suffix(1);
  return out;
}

}  // namespace

bool MediaTypeMatches(std::string_view pattern, std::string_view media_type) {
  const std::string p = Lower(Essence(pattern));
  const std::string t = Lower(Essence(media_type));
  if (p.size() > 2 && p.ends_with("/*")) return t.starts_with(p.substr(0, p.size() - 1));
  return p == t;
}

std::string DescribeMediaType(std::string_view media_type) {
  const std::string t = Lower(Essence(media_type));
  if (t.starts_with("video/")) return "a video";
  if (t.starts_with("image/")) return "a photo";
  if (t.starts_with("audio/")) return "an audio recording";
  if (t == "application/pdf") return "a PDF";
  if (t == "text/plain" || t == "text/markdown") return "a text document";
  if (t.find("word") != std::string::npos || t.find("opendocument.text") != std::string::npos) {
    return "a document";
  }
  if (t.find("sheet") != std::string::npos) return "a spreadsheet";
  if (t.find("presentation") != std::string::npos) return "a slide deck";
  return "a file of type " + std::string(Essence(media_type));
}

std::string DescribeAccepted(const google::protobuf::RepeatedPtrField<std::string>& patterns) {
  std::string out;
  for (int i = 0; i < patterns.size(); ++i) {
    const std::string name = DescribeMediaType(patterns.Get(i));
    if (out.find(name) != std::string::npos) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out.empty() ? "a file" : out;
}

}  // namespace cairn::model
