#include "api/metrics.h"

#include <cstdio>

namespace cairn::server {
namespace {

// Prometheus sample values: integers as integers, reals in the shortest form that reads back.
std::string FormatReal(double value) {
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string("0");
}

std::string FormatBound(double bound) {
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof(buffer), "%g", bound);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string("0");
}

// Label values are escaped per the exposition format: backslash, double quote and newline.
std::string LabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, const std::string& value) {
  out.append(name).append(" ").append(value).append("\n");
}

}  // namespace

void Metrics::CountRequest(std::string_view route, int status, double seconds, uint64_t bytes_in,
                           uint64_t bytes_out) {
  bytes_in_.fetch_add(bytes_in, std::memory_order_relaxed);
  bytes_out_.fetch_add(bytes_out, std::memory_order_relaxed);
  if (!(seconds >= 0)) seconds = 0;  // also catches NaN
  size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats{}).first;
  RouteStats& stats = it->second;
  ++stats.by_status[status];
  ++stats.buckets[bucket];
  stats.seconds_sum += seconds;
  ++stats.count;
}

void Metrics::CountChanges(uint64_t accepted, uint64_t duplicates, uint64_t refused) {
  changes_accepted_.fetch_add(accepted, std::memory_order_relaxed);
  changes_duplicate_.fetch_add(duplicates, std::memory_order_relaxed);
  changes_refused_.fetch_add(refused, std::memory_order_relaxed);
}

void Metrics::CountPulled(uint64_t changes) {
  changes_pulled_.fetch_add(changes, std::memory_order_relaxed);
}

void Metrics::CountBlobUpload(uint64_t received, uint64_t verified, uint64_t refused,
                              bool completed) {
  blob_bytes_received_.fetch_add(received, std::memory_order_relaxed);
  blob_bytes_verified_.fetch_add(verified, std::memory_order_relaxed);
  blob_chunks_refused_.fetch_add(refused, std::memory_order_relaxed);
  if (completed) blobs_completed_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::ConnectionOpened() {
  connections_open_.fetch_add(1, std::memory_order_relaxed);
  connections_total_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::ConnectionClosed() { connections_open_.fetch_sub(1, std::memory_order_relaxed); }

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out.reserve(4096);

  // Copy the per-route table under the lock; format outside it.
  std::map<std::string, RouteStats, std::less<>> routes;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    routes = routes_;
  }

  Header(out, "cairn_http_requests_total", "counter",
         "HTTP requests answered, by route and status.");
  for (const auto& [route, stats] : routes) {
    for (const auto& [status, count] : stats.by_status) {
      out.append("cairn_http_requests_total{route=\"")
          .append(LabelValue(route))
          .append("\",status=\"")
          .append(std::to_string(status))
          .append("\"} ")
          .append(std::to_string(count))
          .append("\n");
    }
  }

  Header(out, "cairn_http_request_duration_seconds", "histogram",
         "Time from a request's headers to its response written, by route.");
  for (const auto& [route, stats] : routes) {
    const std::string label = LabelValue(route);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
      cumulative += stats.buckets[i];
      const std::string le = i < kLatencyBuckets.size() ? FormatBound(kLatencyBuckets[i]) : "+Inf";
      out.append("cairn_http_request_duration_seconds_bucket{route=\"")
          .append(label)
          .append("\",le=\"")
          .append(le)
          .append("\"} ")
          .append(std::to_string(cumulative))
          .append("\n");
    }
    out.append("cairn_http_request_duration_seconds_sum{route=\"")
        .append(label)
        .append("\"} ")
        .append(FormatReal(stats.seconds_sum))
        .append("\n");
    out.append("cairn_http_request_duration_seconds_count{route=\"")
        .append(label)
        .append("\"} ")
        .append(std::to_string(stats.count))
        .append("\n");
  }

  const auto counter = [&out](std::string_view name, std::string_view help, uint64_t value) {
    Header(out, name, "counter", help);
    Sample(out, name, std::to_string(value));
  };
  counter("cairn_http_bytes_received_total", "Request body bytes received, as sent on the wire.",
          bytes_in_.load(std::memory_order_relaxed));
  counter("cairn_http_bytes_sent_total", "Response body bytes sent, as sent on the wire.",
          bytes_out_.load(std::memory_order_relaxed));
  counter("cairn_changes_accepted_total", "Pushed changes applied to the server log.",
          changes_accepted_.load(std::memory_order_relaxed));
  counter("cairn_changes_duplicate_total", "Pushed changes the server already held.",
          changes_duplicate_.load(std::memory_order_relaxed));
  counter("cairn_changes_refused_total", "Pushed changes refused, including blocked ones.",
          changes_refused_.load(std::memory_order_relaxed));
  counter("cairn_changes_pulled_total", "Changes sent in pull answers.",
          changes_pulled_.load(std::memory_order_relaxed));

  counter("cairn_blob_bytes_received_total", "Chunk upload body bytes received.",
          blob_bytes_received_.load(std::memory_order_relaxed));
  counter("cairn_blob_bytes_verified_total",
          "Blob bytes in chunks verified against their offered hash and written.",
          blob_bytes_verified_.load(std::memory_order_relaxed));
  counter("cairn_blob_chunks_refused_total", "Chunks refused for not matching their offered hash.",
          blob_chunks_refused_.load(std::memory_order_relaxed));
  counter("cairn_blobs_completed_total", "Blobs uploaded in full and verified against their name.",
          blobs_completed_.load(std::memory_order_relaxed));

  Header(out, "cairn_connections_open", "gauge", "TLS connections open now.");
  Sample(out, "cairn_connections_open",
         std::to_string(connections_open_.load(std::memory_order_relaxed)));
  counter("cairn_connections_total", "TCP connections accepted.",
          connections_total_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace cairn::server
