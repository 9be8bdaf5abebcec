#include "forward/envelope.h"

#include <ctime>
#include <string>

#include "api/json_string.h"
#include "cairn/v1/model.pb.h"

namespace cairn::server {
namespace {

// Writes `"key":` and the value; the caller puts commas between members.
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_.push_back('{'); }
  JsonObject& Text(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
    return *this;
  }
  JsonObject& Number(std::string_view key, int64_t value) {
    Key(key);
    out_ += std::to_string(value);
    return *this;
  }
  // Starts a member whose value the caller writes next.
  std::string& Raw(std::string_view key) {
    Key(key);
    return out_;
  }
  void Close() { out_.push_back('}'); }

 private:
  void Key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    AppendJsonString(out_, key);
    out_.push_back(':');
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string Rfc3339Millis(int64_t unix_ms) {
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return std::string(text, n) + fraction;
}

std::string EvidenceUrl(std::string_view public_url, const EntityId& submission,
                        std::string_view sha256) {
  return std::string(public_url) + "/v1/issuer/submissions/" + submission.ToString() +
         "/evidence/" + LowerHex(sha256);
}

Result<std::string> BuildEnvelope(const Forwarding& forwarding, std::string_view public_url) {
  const std::string id = forwarding.entry.submission.ToString();
  v1::SubmissionSnapshot snapshot;
  if (!snapshot.ParseFromString(forwarding.snapshot)) {
    return DataLoss("the stored snapshot of submission " + id + " does not parse");
  }
  std::string out;
  JsonObject root(out);
  root.Text("type", kEnvelopeType).Text("submission_id", id).Text("idempotency_key", id);
  JsonObject educator(root.Raw("educator"));
  educator.Text("id", forwarding.educator_id).Text("name", forwarding.educator_name).Close();
  root.Text("issuer_id", forwarding.entry.issuer_id);
  JsonObject credential(root.Raw("micro_credential"));
  credential.Text("id", snapshot.micro_credential_id())
      .Text("version", snapshot.micro_credential_version())
      .Text("title", forwarding.micro_credential_title)
      .Close();
  const std::string pursuit =
      snapshot.pursuit().size() == 16 ? EntityId::FromBytes(snapshot.pursuit()).ToString() : "";
  root.Text("pursuit_id", pursuit).Number("attempt", snapshot.attempt());
  root.Text("submitted_at", Rfc3339Millis(snapshot.submitted_at_ms()))
      .Text("completed_at", Rfc3339Millis(forwarding.entry.created_ms));
  std::string& answers = root.Raw("answers");
  answers.push_back('[');
  for (int i = 0; i < snapshot.answers_size(); ++i) {
    if (i > 0) answers.push_back(',');
    JsonObject answer(answers);
    answer.Text("question_id", snapshot.answers(i).question_id())
        .Text("text", snapshot.answers(i).text())
        .Close();
  }
  answers.push_back(']');
  root.Text("reflection", snapshot.reflection());
  std::string& evidence = root.Raw("evidence");
  evidence.push_back('[');
  for (int i = 0; i < snapshot.evidence_size(); ++i) {
    const v1::SubmissionSnapshot::SubmittedEvidence& item = snapshot.evidence(i);
    if (i > 0) evidence.push_back(',');
    const std::string evidence_id = item.evidence_id().size() == 16
                                        ? EntityId::FromBytes(item.evidence_id()).ToString()
                                        : std::string();
    JsonObject entry(evidence);
    entry.Text("evidence_id", evidence_id)
        .Text("requirement_id", item.requirement_id())
        .Text("caption", item.caption())
        .Text("sha256", LowerHex(item.blob().sha256()))
        .Number("size", static_cast<int64_t>(item.blob().size()))
        .Text("media_type", item.blob().media_type())
        .Text("url", EvidenceUrl(public_url, forwarding.entry.submission, item.blob().sha256()))
        .Close();
  }
  evidence.push_back(']');
  root.Close();
  return out;
}

}  // namespace cairn::server
