// HTML text for the server's public pages (the hosted credential pages): escaping, and the small
// subset of Markdown that catalog texts and OB criteria narratives use — paragraphs, "- " list
// items, "## " headings, **bold** and [text](https://…) links. Everything else is shown as
// text: input comes from issuers' repositories and credentials, never trusted as markup.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_API_HTML_H_
#define CAIRN_SERVER_API_HTML_H_

#include <string>
#include <string_view>

namespace cairn::server {

// `text` with & < > " ' escaped, for element content and quoted attribute values. Bytes that are
// not UTF-8 become U+FFFD.
std::string EscapeHtml(std::string_view text);

// `markdown` as HTML block elements (<p>, <ul><li>, <h3>), every piece of text escaped. A
// heading's level is `heading_level` ("## " and "# " alike), so a page keeps one outline.
std::string MarkdownToHtml(std::string_view markdown, int heading_level = 3);

// `text` percent-encoded for a URL query value (RFC 3986 unreserved characters kept).
std::string PercentEncode(std::string_view text);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_HTML_H_
