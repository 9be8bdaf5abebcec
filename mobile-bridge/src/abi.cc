#include "abi.h"

#include <cstdlib>
#include <cstring>

#include "util/utf8.h"

namespace cairn::bridge {

cairn_error* NewError(const Status& status) noexcept {
  const std::string& message = status.message();
  // One allocation for the struct and its message, freed whole by cairn_error_free.
  void* memory = std::malloc(sizeof(cairn_error) + message.size() + 1);
  if (memory == nullptr) return nullptr;
  auto* error = static_cast<cairn_error*>(memory);
  char* text = static_cast<char*>(memory) + sizeof(cairn_error);
  std::memcpy(text, message.data(), message.size());
  text[message.size()] = '\0';
  error->code = static_cast<cairn_code>(status.code());
  error->retryable = status.retryable() ? 1 : 0;
  error->message = text;
  error->message_len = message.size();
  return error;
}

cairn_code Report(const Status& status, cairn_error** error) noexcept {
  if (!status.ok() && error != nullptr) *error = NewError(status);
  return static_cast<cairn_code>(status.code());
}

Result<std::string_view> Text(const char* data, size_t len, std::string_view name) {
  if (data == nullptr) {
    if (len == 0) return std::string_view();
    return InvalidArgument("argument '" + std::string(name) + "' is NULL with a length of " +
                           std::to_string(len) + "; pass the text, or a length of 0");
  }
  const std::string_view text(data, len);
  if (!IsValidUtf8(text)) {
    size_t at = 0;
    while (at < text.size()) {
      const size_t n = Utf8SequenceLength(text.substr(at));
      if (n == 0) break;
      at += n;
    }
    return InvalidArgument("argument '" + std::string(name) + "' is not UTF-8 (byte " +
                           std::to_string(at) + " of " + std::to_string(len) +
                           " starts no character); send text as UTF-8");
  }
  return text;
}

Result<std::string_view> RequiredText(const char* data, size_t len, std::string_view name) {
  CAIRN_ASSIGN_OR_RETURN(const std::string_view text, Text(data, len, name));
  if (text.empty()) return InvalidArgument("argument '" + std::string(name) + "' is empty");
  return text;
}

Result<EntityId> IdArgument(const char* data, size_t len, std::string_view name) {
  CAIRN_ASSIGN_OR_RETURN(const std::string_view text, RequiredText(data, len, name));
  Result<EntityId> id = EntityId::Parse(text);
  if (!id.ok()) return id.status().Annotate("argument '" + std::string(name) + "'");
  return id;
}

Status CheckOutput(cairn_buffer* out) {
  if (out == nullptr) return InvalidArgument("the output buffer is NULL; pass a cairn_buffer*");
  *out = {nullptr, 0};
  return {};
}

Status Output(std::string_view bytes, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  if (bytes.empty()) return {};
  auto* data = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (data == nullptr) throw std::bad_alloc();
  std::memcpy(data, bytes.data(), bytes.size());
  *out = {data, bytes.size()};
  return {};
}

}  // namespace cairn::bridge

extern "C" {

void cairn_error_free(cairn_error* error) noexcept { std::free(error); }

void cairn_buffer_free(cairn_buffer* buffer) noexcept {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  *buffer = {nullptr, 0};
}

uint32_t cairn_abi_version(void) noexcept { return CAIRN_ABI_VERSION; }

const char* cairn_code_name(cairn_code code) noexcept {
  // The table's names are string literals: NUL-terminated and static.
  return cairn::InfoOf(static_cast<cairn::Code>(code)).name.data();
}

}  // extern "C"

// The C enum and the C++ one expand the same table; check a few anchors anyway, since a wrong
// include path could pair one header with another build's table.
static_assert(CAIRN_OK == static_cast<int>(cairn::Code::kOk));
static_assert(CAIRN_UNAVAILABLE == static_cast<int>(cairn::Code::kUnavailable));
static_assert(CAIRN_TOO_LARGE == static_cast<int>(cairn::Code::kTooLarge));
