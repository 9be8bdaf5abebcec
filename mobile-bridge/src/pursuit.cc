// cairn_pursuit_*: start, list, answer, reflect, check, submit.
#include <vector>

#include "abi.h"
#include "cairn/v1/bridge.pb.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

Status Start(cairn_store* store, const char* id_data, size_t id_len, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view id, RequiredText(id_data, id_len, "id"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, device.StartPursuit(id));
    return Output(pursuit.ToString(), out);
  });
}

Status List(cairn_store* store, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Pursuit> all, device.ListPursuits());
    v1::PursuitList list;
    for (v1::Pursuit& p : all) *list.add_pursuits() = std::move(p);
    return Output(list.SerializeAsString(), out);
  });
}

Status Answer(cairn_store* store, const char* pursuit_data, size_t pursuit_len,
              const char* question_data, size_t question_len, const char* text_data,
              size_t text_len) {
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view question,
                         RequiredText(question_data, question_len, "question"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view text, Text(text_data, text_len, "text"));
  return WithStore(
      store, [&](Device& device, BlobStore&) { return device.Answer(pursuit, question, text); });
}

Status Reflect(cairn_store* store, const char* pursuit_data, size_t pursuit_len,
               const char* text_data, size_t text_len) {
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view text, Text(text_data, text_len, "text"));
  return WithStore(store,
                   [&](Device& device, BlobStore&) { return device.Reflect(pursuit, text); });
}

Status Check(cairn_store* store, const char* pursuit_data, size_t pursuit_len, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<ValidationIssue> issues, device.Validate(pursuit));
    v1::CheckResult result;
    for (const ValidationIssue& issue : issues) {
      v1::CheckResult::Issue& out_issue = *result.add_issues();
      out_issue.set_requirement_id(issue.requirement_id);
      out_issue.set_message(issue.message);
    }
    return Output(result.SerializeAsString(), out);
  });
}

Status Submit(cairn_store* store, const char* pursuit_data, size_t pursuit_len, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const EntityId submission, device.Submit(pursuit));
    return Output(submission.ToString(), out);
  });
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_pursuit_start(cairn_store* store, const char* id, size_t id_len, cairn_buffer* out,
                               cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Start(store, id, id_len, out); });
}

cairn_code cairn_pursuit_list(cairn_store* store, cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::List(store, out); });
}

cairn_code cairn_pursuit_answer(cairn_store* store, const char* pursuit, size_t pursuit_len,
                                const char* question, size_t question_len, const char* text,
                                size_t text_len, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::Answer(store, pursuit, pursuit_len, question, question_len, text,
                                 text_len);
  });
}

cairn_code cairn_pursuit_reflect(cairn_store* store, const char* pursuit, size_t pursuit_len,
                                 const char* text, size_t text_len, cairn_error** error) noexcept {
  return cairn::bridge::Call(
      error, [&] { return cairn::bridge::Reflect(store, pursuit, pursuit_len, text, text_len); });
}

cairn_code cairn_pursuit_check(cairn_store* store, const char* pursuit, size_t pursuit_len,
                               cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(
      error, [&] { return cairn::bridge::Check(store, pursuit, pursuit_len, out); });
}

cairn_code cairn_pursuit_submit(cairn_store* store, const char* pursuit, size_t pursuit_len,
                                cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(
      error, [&] { return cairn::bridge::Submit(store, pursuit, pursuit_len, out); });
}

}  // extern "C"
