// Matching evidence media types against what a requirement accepts, and naming them the way a
// teacher would ("a video", "a photo").
#ifndef CAIRN_MODEL_MEDIA_TYPES_H_
#define CAIRN_MODEL_MEDIA_TYPES_H_

#include <string>
#include <string_view>

#include "google/protobuf/repeated_field.h"

namespace cairn::model {

// Whether `media_type` (e.g. "video/mp4") matches a pattern ("video/*" or "video/mp4").
bool MediaTypeMatches(std::string_view pattern, std::string_view media_type);

// "a video", "a photo", "an audio recording", "a PDF", ... for a type or a family pattern.
std::string DescribeMediaType(std::string_view media_type);

// "a video or a photo" for the accepted patterns of a requirement.
std::string DescribeAccepted(const google::protobuf::RepeatedPtrField<std::string>& patterns);

}  // namespace cairn::model

#endif  // CAIRN_MODEL_MEDIA_TYPES_H_
