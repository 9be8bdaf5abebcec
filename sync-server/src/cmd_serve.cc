// `cairn-server serve` and `cairn-server fingerprint`: the server's settings from flags and
// the config file, TLS material, and the run until a signal.
#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <functional>
#include <iostream>

#include "api/metrics.h"
#include "api/service.h"
#include "badge/issuance.h"
#include "badge/key_vault.h"
#include "commands.h"
#include "forward/delivery_worker.h"
#include "http/files.h"
#include "http/http_server.h"
#include "http/log.h"
#include "http/server_config.h"
#include "http/tls.h"

namespace cairn::server::cli {
namespace {

constexpr std::string_view kDefaultListen = "127.0.0.1:8443";
// Stale partial uploads are collected at start (ServerStore::Open) and then this often.
constexpr auto kCollectEvery = std::chrono::hours(1);
// How often awards left pending are issued (most are issued at their decision).
constexpr auto kIssueEvery = std::chrono::seconds(30);

// A setting from its flag, else the config file, else nothing.
std::optional<std::string> Setting(const Invocation& inv, std::string_view flag,
                                   const std::optional<std::string>& from_config) {
  if (std::optional<std::string> value = inv.Option(flag)) return value;
  return from_config;
}

// The certificate and key to serve: --tls-cert/--tls-key (or the config's), else the pair in
// DATA/tls/, made if missing. `*usage_error` is set when the flags are inconsistent.
Result<TlsFiles> ResolveTlsFiles(const Invocation& inv, const ServeConfig& config,
                                 bool* usage_error) {
  const std::optional<std::string> cert = Setting(inv, "tls-cert", config.tls_cert);
  const std::optional<std::string> key = Setting(inv, "tls-key", config.tls_key);
  if (cert.has_value() != key.has_value()) {
    *usage_error = true;
    return InvalidArgument(
        "--tls-cert and --tls-key (tls_cert and tls_key in the config file) go together; give "
        "both, or neither to use the certificate in DATA/tls/");
  }
  if (cert) return TlsFiles{*cert, *key, false};
  CAIRN_RETURN_IF_ERROR(inv.EnsureDataDir());
  return LoadOrCreateCertificate(inv.DataDir());
}

void IssuePendingBadges(BadgeIssuance& badges) {
  Result<std::vector<IssuanceOutcome>> outcomes = badges.IssuePending();
  if (!outcomes.ok()) {
    log::Warn("issuing pending credentials failed", {{"error", outcomes.status().message()}});
    return;
  }
  for (const IssuanceOutcome& outcome : *outcomes) {
    if (!outcome.status.ok()) {
      log::Warn(
          "a credential could not be issued; the award stays pending",
          {{"submission", outcome.submission.ToString()}, {"error", outcome.status.message()}});
    }
    for (const IssuedCredential& credential : outcome.credentials) {
      log::Info("issued a credential", {{"credential", credential.id},
                                        {"kind", std::string(CredentialKindName(credential.kind))},
                                        {"subject", credential.subject_id},
                                        {"issuer", credential.issuer_id}});
    }
  }
}

Result<ServeConfig> LoadConfig(const Invocation& inv) {
  if (std::optional<std::string> path = inv.Option("config")) return LoadServeConfig(*path);
  return ServeConfig{};
}

}  // namespace

int RunServe(Invocation& inv) {
  log::CaptureLibraryLogs();
  Result<ServeConfig> config = LoadConfig(inv);
  if (!config.ok()) return inv.UsageError(config.status().message());

  HttpServerOptions options;
  const std::string listen_text =
      Setting(inv, "listen", config->listen).value_or(std::string(kDefaultListen));
  Result<ListenAddress> listen = ParseListenAddress(listen_text);
  if (!listen.ok()) return inv.UsageError(listen.status().message());
  options.listen = *listen;
  if (std::optional<std::string> threads = inv.Option("threads")) {
    Result<int> n = ParseThreadCount(*threads, "--threads");
    if (!n.ok()) return inv.UsageError(n.status().message());
    options.threads = *n;
  } else if (config->threads) {
    options.threads = *config->threads;
  }
  ServerStoreOptions store_options;
  if (config->max_future_skew_ms) store_options.max_future_skew_ms = *config->max_future_skew_ms;
  if (config->max_blob_bytes) store_options.max_blob_bytes = *config->max_blob_bytes;
  if (config->scope_quota_bytes) store_options.scope_quota_bytes = *config->scope_quota_bytes;

  bool usage_error = false;
  Result<TlsFiles> tls_files = ResolveTlsFiles(inv, *config, &usage_error);
  if (!tls_files.ok()) {
    return usage_error ? inv.UsageError(tls_files.status().message())
                       : inv.Fail(tls_files.status());
  }
  Result<std::unique_ptr<boost::asio::ssl::context>> tls = MakeServerTlsContext(*tls_files);
  if (!tls.ok()) return inv.Fail(tls.status());
  Result<std::string> fingerprint = CertificateFingerprint(tls_files->cert_path);
  if (!fingerprint.ok()) return inv.Fail(fingerprint.status());

  const uint64_t open_files = RaiseOpenFileLimit();
  // A peer that closes mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore(store_options);
  if (!store.ok()) return inv.Fail(store.status());

  // Badges: issuers' private keys are sealed under a key file of their own, beside the store.
  Result<KeyVault> vault = KeyVault::OpenOrCreate(inv.DataDir() + "/badge-keys.key");
  if (!vault.ok()) return inv.Fail(vault.status());
  IssuanceOptions badge_options;
  const std::optional<std::string> public_url = Setting(inv, "public-url", config->public_url);
  if (public_url) {
    if (Status s = CheckPublicUrl(*public_url); !s.ok()) return inv.UsageError(s.message());
    badge_options.public_url = *public_url;
  }
  BadgeIssuance badges(**store, *vault, badge_options);

  Metrics metrics;
  Service service(**store, metrics, &badges);
  HttpServer server(service, metrics, **tls, options);

  // Before anything is printed: a supervisor may signal as soon as it sees the port.
  boost::asio::signal_set signals(server.io_context(), SIGINT, SIGTERM);
  int signals_seen = 0;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        if (++signals_seen == 1) {
          log::Info("stopping", {{"signal", signal_number}});
          server.Stop();
          signals.async_wait(on_signal);
        } else {
          log::Warn("second signal; stopping without waiting for connections",
                    {{"signal", signal_number}});
          server.ForceStop();
        }
      };
  signals.async_wait(on_signal);

  // Hourly: partial uploads untouched for a week go (decision 0009).
  boost::asio::steady_timer collect(server.io_context());
  std::function<void(const boost::system::error_code&)> on_collect =
      [&](const boost::system::error_code& ec) {
        if (ec) return;
        Result<uint64_t> collected = (*store)->CollectStaleUploads();
        if (!collected.ok()) {
          log::Warn("collecting stale uploads failed", {{"error", collected.status().message()}});
        } else if (*collected > 0) {
          log::Info("collected stale uploads", {{"uploads", *collected}});
        }
        collect.expires_after(kCollectEvery);
        collect.async_wait(on_collect);
      };
  collect.expires_after(kCollectEvery);
  collect.async_wait(on_collect);

  // Awards whose credential was not issued at the decision (a crash, a catalog without the
  // issuer's profile yet) are issued by this pass: at start, then every kIssueEvery.
  boost::asio::steady_timer issue(server.io_context());
  std::function<void(const boost::system::error_code&)> on_issue =
      [&](const boost::system::error_code& ec) {
        if (ec) return;
        IssuePendingBadges(badges);
        issue.expires_after(kIssueEvery);
        issue.async_wait(on_issue);
      };

  if (Status s = server.Listen(); !s.ok()) return inv.Fail(s);
  const std::string url = HttpsUrl(options.listen.host, server.port());
  if (!public_url) badges.SetPublicUrl(url);
  if (Status s = badges.credentials().RecordPublicUrl(badges.options().public_url); !s.ok()) {
    return inv.Fail(s);
  }
  if (tls_files->created) {
    log::Info("created a self-signed certificate",
              {{"cert", tls_files->cert_path}, {"key", tls_files->key_path}});
  }
  inv.out() << "certificate sha256 " << *fingerprint << "\n"
            << "listening on " << url << std::endl;
  if (std::optional<std::string> port_file = inv.Option("port-file")) {
    if (Status s = WriteFileAtomically(*port_file, std::to_string(server.port()) + "\n", 0644);
        !s.ok()) {
      return inv.Fail(s.Annotate("--port-file"));
    }
  }
  // Forwarding runs on its own thread: deliveries block on issuers, never on io threads. Its
  // first pass resumes whatever a previous run left pending (decision 0013).
  ForwardOptions forward;
  forward.public_url = public_url.value_or(url);
  forward.data_dir = inv.DataDir();
  if (config->forward_backoff_ms) forward.backoff.base_ms = *config->forward_backoff_ms;
  if (config->forward_backoff_max_ms) forward.backoff.cap_ms = *config->forward_backoff_max_ms;
  forward.poll_interval =
      std::chrono::milliseconds(std::clamp<int64_t>(forward.backoff.base_ms / 2, 20, 1000));
  if (config->webhook_ca_file) forward.webhook.ca_file = *config->webhook_ca_file;
  DeliveryWorker forwarder(**store, forward, [](const DeliveryOutcome& outcome) {
    if (outcome.delivered) {
      log::Info("forwarded a submission", {{"submission", outcome.submission.ToString()},
                                           {"issuer", outcome.issuer_id},
                                           {"new_commit", outcome.new_commit}});
    } else if (outcome.entry.state == DeliveryState::kDead) {
      log::Warn("a delivery is dead: attempts used up; `cairn-server outbox retry` revives it",
                {{"submission", outcome.submission.ToString()},
                 {"issuer", outcome.issuer_id},
                 {"attempts", outcome.entry.attempts},
                 {"error", outcome.error.message()}});
    } else {
      log::Warn("a delivery failed", {{"submission", outcome.submission.ToString()},
                                      {"issuer", outcome.issuer_id},
                                      {"attempts", outcome.entry.attempts},
                                      {"error", outcome.error.message()}});
    }
  });
  forwarder.Start();
  issue.expires_after(std::chrono::milliseconds(0));
  issue.async_wait(on_issue);
  log::Info("started", {{"url", url},
                        {"data", inv.DataDir()},
                        {"threads", options.threads},
                        {"open_files_limit", open_files},
                        {"cert", tls_files->cert_path},
                        {"cert_sha256", *fingerprint},
                        {"version", CAIRN_VERSION}});

  server.Run();

  forwarder.Stop();
  signals.cancel();
  collect.cancel();
  issue.cancel();
  store->reset();  // closes the store (checkpoints the WAL) before we report a clean stop
  log::Info("stopped");
  return kExitOk;
}

int RunFingerprint(Invocation& inv) {
  Result<ServeConfig> config = LoadConfig(inv);
  if (!config.ok()) return inv.UsageError(config.status().message());
  std::string cert_path;
  if (std::optional<std::string> cert = Setting(inv, "tls-cert", config->tls_cert)) {
    cert_path = *cert;
  } else {
    if (Status s = inv.EnsureDataDir(); !s.ok()) return inv.Fail(s);
    Result<TlsFiles> files = LoadOrCreateCertificate(inv.DataDir());
    if (!files.ok()) return inv.Fail(files.status());
    cert_path = files->cert_path;
  }
  Result<std::string> fingerprint = CertificateFingerprint(cert_path);
  if (!fingerprint.ok()) return inv.Fail(fingerprint.status());
  inv.out() << *fingerprint << "\n";
  return kExitOk;
}

}  // namespace cairn::server::cli
