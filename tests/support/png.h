// Hand-made PNG files for tests that check image headers (catalog badge images): a correct
// signature, IHDR, CRCs and IEND, with any size, colour type and bit depth. The IDAT holds a few
// placeholder bytes, not decodable pixels: the code under test reads headers only, and real
// pixel data for a 600x600 image would not fit the limits being tested.
//
// Thread-safety: pure functions.
#ifndef CAIRN_TESTS_SUPPORT_PNG_H_
#define CAIRN_TESTS_SUPPORT_PNG_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::testing {

// A PNG chunk: length, type, data and CRC-32.
std::string PngChunk(std::string_view type, std::string_view data);

// A PNG of `width` x `height`; `padding` more bytes of an ancillary chunk make a file as large
// as a test needs.
std::string HeaderOnlyPng(uint32_t width, uint32_t height, uint8_t color_type = 6,
                          uint8_t bit_depth = 8, size_t padding = 0);

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_PNG_H_
