// DetectMediaType: the media type of evidence from its first bytes ("magic numbers"), never from
// a file name, which a phone or a teacher may have got wrong.
#include <algorithm>
#include <string>
#include <string_view>

#include "cairn/blob_store.h"
#include "util/utf8.h"

namespace cairn {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix, size_t at = 0) {
  return s.size() >= at + prefix.size() && s.substr(at, prefix.size()) == prefix;
}

uint8_t Byte(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

// ISO base media files (MP4, QuickTime, 3GPP, M4A, HEIF): "ftyp" at offset 4, then the brand.
std::string FromFtyp(std::string_view head) {
  const std::string_view brand = head.substr(8, 4);
  if (brand == "qt  ") return "video/quicktime";
  if (brand.starts_with("3gp") || brand.starts_with("3ge") || brand.starts_with("3gs")) {
    return "video/3gpp";
  }
  if (brand.starts_with("3g2")) return "video/3gpp2";
  if (brand == "M4A " || brand == "M4B " || brand == "M4P " || brand == "F4A ") return "audio/mp4";
  if (brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "hevc" ||
      brand == "hevx") {
    return "image/heic";
  }
  if (brand == "mif1" || brand == "msf1") return "image/heif";
  if (brand == "avif" || brand == "avis") return "image/avif";
  return "video/mp4";  // isom, mp41, mp42, avc1, M4V , dash, iso2-9, mmp4, ...
}

// OOXML and ODF documents are zip files; their first entries say which kind.
std::string FromZip(std::string_view head) {
  // ODF: the first entry is an uncompressed file "mimetype" holding the type.
  if (StartsWith(head, "mimetype", 30)) {
    const std::string_view rest = head.substr(38, std::min<size_t>(head.size() - 38, 80));
    for (std::string_view type :
         {"application/vnd.oasis.opendocument.text",
          "application/vnd.oasis.opendocument.spreadsheet",
          "application/vnd.oasis.opendocument.presentation", "application/epub+zip"}) {
      if (rest.starts_with(type)) return std::string(type);
    }
  }
  // OOXML: [Content_Types].xml and the parts' folders are named in the local file headers.
  const bool ooxml = head.find("[Content_Types].xml") != std::string_view::npos ||
                     head.find("_rels/.rels") != std::string_view::npos;
  if (ooxml) {
    if (head.find("word/") != std::string_view::npos) {
      return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    }
    if (head.find("xl/") != std::string_view::npos) {
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    if (head.find("ppt/") != std::string_view::npos) {
      return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    }
  }
  return "application/zip";
}

// MPEG audio frame sync: 11 set bits. Layer bits 00 mean ADTS (AAC), anything else MP3.
std::string FromFrameSync(std::string_view head) {
  if (head.size() < 2 || Byte(head, 0) != 0xff || (Byte(head, 1) & 0xe0) != 0xe0) return {};
  if ((Byte(head, 1) & 0x06) == 0) return "audio/aac";
  // MPEG version 01 is reserved: not a frame header.
  if ((Byte(head, 1) & 0x18) == 0x08) return {};
  return "audio/mpeg";
}

bool LooksLikeText(std::string_view head, bool complete) {
  if (head.empty()) return false;
  if (StartsWith(head, "\xef\xbb\xbf")) head.remove_prefix(3);
  // A chunk may end inside a multi-byte character: drop up to 3 trailing bytes of it.
  std::string_view body = head;
  if (!complete) {
    size_t cut = 0;
    while (cut < 3 && cut < body.size() && (Byte(body, body.size() - 1 - cut) & 0xc0) == 0x80) {
      ++cut;
    }
    if (cut < body.size() && Byte(body, body.size() - 1 - cut) >= 0xc0) {
      body.remove_suffix(cut + 1);
    }
  }
  if (!IsValidUtf8(body)) return false;
  return std::none_of(body.begin(), body.end(), [](char c) {
    const auto u = static_cast<uint8_t>(c);
    return u < 0x20 && u != '\n' && u != '\r' && u != '\t' && u != '\f';
  });
}

}  // namespace

std::string DetectMediaType(std::string_view head, bool complete) {
  if (head.size() >= 12 && StartsWith(head, "ftyp", 4)) return FromFtyp(head);
  if (StartsWith(head, "\x1a\x45\xdf\xa3")) {
    // The EBML header names its DocType within its first few dozen bytes.
    return head.substr(0, 64).find("webm") != std::string_view::npos ? "video/webm"
                                                                     : "video/x-matroska";
  }
  if (StartsWith(head, "\xff\xd8\xff")) return "image/jpeg";
  if (StartsWith(head, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (StartsWith(head, "GIF87a") || StartsWith(head, "GIF89a")) return "image/gif";
  if (StartsWith(head, "RIFF") && head.size() >= 12) {
    if (StartsWith(head, "WEBP", 8)) return "image/webp";
    if (StartsWith(head, "WAVE", 8)) return "audio/wav";
    if (StartsWith(head, "AVI ", 8)) return "video/x-msvideo";
  }
  if (StartsWith(head, std::string_view("II*\0", 4)) ||
      StartsWith(head, std::string_view("MM\0*", 4))) {
    return "image/tiff";
  }
  if (StartsWith(head, "%PDF-")) return "application/pdf";
  if (StartsWith(head, "ID3")) return "audio/mpeg";
  if (StartsWith(head, "OggS")) {
    if (head.substr(0, 64).find("\x80theora") != std::string_view::npos) return "video/ogg";
    return "audio/ogg";
  }
  if (StartsWith(head, "fLaC")) return "audio/flac";
  if (StartsWith(head, "#!AMR")) return "audio/amr";
  if (StartsWith(head, std::string_view("PK\x03\x04", 4))) return FromZip(head);
  if (StartsWith(head, "{\\rtf")) return "application/rtf";
  if (std::string frame = FromFrameSync(head); !frame.empty()) return frame;
  if (LooksLikeText(head, complete)) return "text/plain";
  return "application/octet-stream";
}

}  // namespace cairn
