// The media type of a Content-Type header, as RFC 9110 §8.3 reads it: "type/subtype" compared
// without regard to case, parameters (`; charset=utf-8`) and white space around it ignored. The
// server and the client both judge bodies by it (docs/protocol.md "Bodies"), so that a proxy or
// another language's HTTP library that writes `Application/X-Protobuf; charset=binary` is
// understood, and `application/x-protobufs` is not.
//
// Thread-safety: pure function.
#ifndef CAIRN_MEDIA_TYPE_H_
#define CAIRN_MEDIA_TYPE_H_

#include <string>
#include <string_view>

namespace cairn {

// "type/subtype" in lower case; empty for an empty header.
std::string MediaTypeOf(std::string_view content_type);

// Equality without regard to ASCII case, as HTTP compares header names and tokens such as
// content codings (RFC 9110 §5.1, §8.4.1).
bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace cairn

#endif  // CAIRN_MEDIA_TYPE_H_
