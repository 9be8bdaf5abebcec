#include "api/html.h"

#include <vector>

#include "util/utf8.h"

namespace cairn::server {
namespace {

// Inline Markdown of one line: **bold** and [text](https://url); the rest escaped.
std::string Inline(std::string_view line) {
  std::string out;
  while (!line.empty()) {
    if (line.starts_with("**")) {
      const size_t end = line.find("**", 2);
      if (end != std::string_view::npos && end > 2) {
        out += "<strong>" + EscapeHtml(line.substr(2, end - 2)) + "</strong>";
        line.remove_prefix(end + 2);
        continue;
      }
    }
    if (line.front() == '[') {
      const size_t close = line.find("](");
      const size_t end = close == std::string_view::npos ? close : line.find(')', close);
      if (end != std::string_view::npos) {
        const std::string_view text = line.substr(1, close - 1);
        const std::string_view url = line.substr(close + 2, end - close - 2);
        if (url.starts_with("https://") || url.starts_with("http://")) {
          out += "<a href=\"" + EscapeHtml(url) + "\">" + EscapeHtml(text) + "</a>";
          line.remove_prefix(end + 1);
          continue;
        }
      }
    }
    const size_t next = line.find_first_of("*[", 1);
    out += EscapeHtml(line.substr(0, next));
    line.remove_prefix(next == std::string_view::npos ? line.size() : next);
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  const std::string valid = ReplaceInvalidUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (const char c : valid) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownToHtml(std::string_view markdown, int heading_level) {
  const std::string h = std::to_string(heading_level);
  std::string out;
  std::string paragraph;
  bool in_list = false;
  const auto end_paragraph = [&] {
    if (!paragraph.empty()) out += "<p>" + paragraph + "</p>\n";
    paragraph.clear();
  };
  const auto end_list = [&] {
    if (in_list) out += "</ul>\n";
    in_list = false;
  };
  while (!markdown.empty()) {
    const size_t newline = markdown.find('\n');
    const std::string_view line = Trim(markdown.substr(0, newline));
    markdown.remove_prefix(newline == std::string_view::npos ? markdown.size() : newline + 1);
    if (line.empty()) {
      end_paragraph();
      end_list();
    } else if (line.starts_with("- ") || line.starts_with("* ")) {
      end_paragraph();
      if (!in_list) out += "<ul>\n";
      in_list = true;
      out += "<li>" + Inline(line.substr(2)) + "</li>\n";
    } else if (line.starts_with("#")) {
      end_paragraph();
      end_list();
      out += "<h" + h + ">" + Inline(Trim(line.substr(line.find_first_not_of('#')))) + "</h" + h +
             ">\n";
    } else {
      end_list();
      if (!paragraph.empty()) paragraph += ' ';
      paragraph += Inline(line);
    }
  }
  end_paragraph();
  end_list();
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace cairn::server
