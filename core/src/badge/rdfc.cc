// RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation 2024), with SHA-256, including
// Hash N-Degree Quads for blank nodes the first-degree hashes cannot tell apart. It follows
// rdf-canonize (what verifiers run) where the spec leaves a choice: first-degree hashes are
// computed once, and the number of Hash N-Degree Quads calls is bounded.
#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "badge/nquads.h"
#include "cairn/badge/jsonld.h"
#include "cairn/hex.h"

namespace cairn::badge {
namespace {

using nquads_internal::AppendQuad;

Result<std::string> Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return Internal("SHA-256 failed in OpenSSL");
  }
  return LowerHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// Issues identifiers prefix0, prefix1, ... in order (RDFC-1.0 §4.5).
class Issuer {
 public:
  Issuer(std::string prefix, size_t node_count)
      : prefix_(std::move(prefix)), ids_(node_count, kNone) {}
  bool Has(int node) const { return ids_[static_cast<size_t>(node)] != kNone; }
  std::string Id(int node) const {
    return prefix_ + std::to_string(ids_[static_cast<size_t>(node)]);
  }
  std::string Issue(int node) {
    if (!Has(node)) {
      ids_[static_cast<size_t>(node)] = static_cast<int>(order_.size());
      order_.push_back(node);
    }
    return Id(node);
  }
  const std::vector<int>& order() const { return order_; }

 private:
  static constexpr int kNone = -1;
  std::string prefix_;
  std::vector<int> ids_;
  std::vector<int> order_;
};

struct IndexedQuad {
  const RdfQuad* quad;
  int subject = -1, object = -1, graph = -1;  // blank node indices, or -1
};

class Canonicalizer {
 public:
  Canonicalizer(const RdfDataset& dataset, const RdfcOptions& options) : options_(options) {
    // The input is a set: drop duplicates before they skew the first-degree hashes.
    std::vector<std::pair<std::string, const RdfQuad*>> keyed;
    keyed.reserve(dataset.size());
    for (const RdfQuad& quad : dataset) {
      std::string key;
      AppendQuad(
          quad, [](const std::string& label) -> const std::string& { return label; }, key);
      keyed.emplace_back(std::move(key), &quad);
    }
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    keyed.erase(std::unique(keyed.begin(), keyed.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                keyed.end());
    for (auto& [key, quad] : keyed) {
      IndexedQuad indexed{quad};
      indexed.subject = Index(quad->subject);
      indexed.object = Index(quad->object);
      indexed.graph = Index(quad->graph);
      int position = static_cast<int>(quads_.size());
      for (int node : {indexed.subject, indexed.object, indexed.graph}) {
        if (node < 0) continue;
        std::vector<int>& mentions = node_quads_[static_cast<size_t>(node)];
        if (mentions.empty() || mentions.back() != position) mentions.push_back(position);
      }
      quads_.push_back(indexed);
      // A quad without blank nodes is already in its final form.
      bool plain = indexed.subject < 0 && indexed.object < 0 && indexed.graph < 0;
      final_lines_.push_back(plain ? std::move(key) : std::string());
    }
  }

  Result<std::string> Run() {
    size_t count = labels_.size();
    first_degree_.resize(count);
    std::map<std::string, std::vector<int>> by_hash;
    for (size_t node = 0; node < count; ++node) {
      CAIRN_ASSIGN_OR_RETURN(first_degree_[node], HashFirstDegree(static_cast<int>(node)));
      by_hash[first_degree_[node]].push_back(static_cast<int>(node));
    }
    canonical_.emplace("c14n", count);
    uint64_t shared = 0;
    for (const auto& [hash, nodes] : by_hash) {
      if (nodes.size() == 1) {
        canonical_->Issue(nodes[0]);
      } else {
        shared += nodes.size();
      }
    }
    remaining_ = 1;
    for (uint32_t i = 0; i < options_.max_work_factor; ++i) {
      if (shared != 0 && remaining_ > std::numeric_limits<uint64_t>::max() / shared) {
        remaining_ = std::numeric_limits<uint64_t>::max();
        break;
      }
      remaining_ *= shared;
    }
    if (options_.max_work_factor == 0) remaining_ = 0;
    limit_ = remaining_;
    for (const auto& [hash, nodes] : by_hash) {
      if (nodes.size() == 1) continue;
      std::vector<std::pair<std::string, Issuer>> paths;
      for (int node : nodes) {
        if (canonical_->Has(node)) continue;
        Issuer temporary("b", count);
        temporary.Issue(node);
        CAIRN_ASSIGN_OR_RETURN(auto result, HashNDegree(node, temporary));
        paths.push_back(std::move(result));
      }
      std::stable_sort(paths.begin(), paths.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [path_hash, issuer] : paths) {
        for (int node : issuer.order()) canonical_->Issue(node);
      }
    }
    std::vector<std::string> lines = std::move(final_lines_);
    for (size_t i = 0; i < quads_.size(); ++i) {
      const IndexedQuad& quad = quads_[i];
      if (quad.subject < 0 && quad.object < 0 && quad.graph < 0) continue;
      AppendQuad(
          *quad.quad, [&](const std::string& label) { return canonical_->Id(Lookup(label)); },
          lines[i]);
    }
    std::sort(lines.begin(), lines.end());
    size_t total = 0;
    for (const std::string& line : lines) total += line.size();
    std::string out;
    out.reserve(total);
    for (const std::string& line : lines) out += line;
    return out;
  }

 private:
  int Index(const RdfTerm& term) {
    if (term.kind != RdfTerm::Kind::kBlankNode) return -1;
    auto [it, inserted] = label_index_.try_emplace(term.value, static_cast<int>(labels_.size()));
    if (inserted) {
      labels_.push_back(term.value);
      node_quads_.emplace_back();
    }
    return it->second;
  }
  int Lookup(const std::string& label) const { return label_index_.at(label); }

  // RDFC-1.0 §4.6.3: the quads mentioning `node`, itself written _:a and other blank nodes _:z.
  Result<std::string> HashFirstDegree(int node) {
    std::string self = labels_[static_cast<size_t>(node)];
    std::vector<std::string> lines;
    for (int position : node_quads_[static_cast<size_t>(node)]) {
      std::string line;
      AppendQuad(
          *quads_[static_cast<size_t>(position)].quad,
          [&](const std::string& label) { return label == self ? "a" : "z"; }, line);
      lines.push_back(std::move(line));
    }
    std::sort(lines.begin(), lines.end());
    std::string joined;
    for (const std::string& line : lines) joined += line;
    return Sha256Hex(joined);
  }

  // RDFC-1.0 §4.7.3.
  Result<std::string> HashRelated(int related, const IndexedQuad& quad, const Issuer& issuer,
                                  char position) {
    std::string input(1, position);
    if (position != 'g') {
      input += '<';
      input += quad.quad->predicate.value;
      input += '>';
    }
    if (canonical_->Has(related)) {
      input += "_:" + canonical_->Id(related);
    } else if (issuer.Has(related)) {
      input += "_:" + issuer.Id(related);
    } else {
      input += first_degree_[static_cast<size_t>(related)];
    }
    return Sha256Hex(input);
  }

  // RDFC-1.0 §4.8.3: returns the hash and the issuer that reached it.
  Result<std::pair<std::string, Issuer>> HashNDegree(int node, Issuer issuer) {
    if (remaining_ == 0) {
      return TooLarge(
          "RDF canonicalization stopped after " + std::to_string(limit_) +
          " Hash N-Degree Quads steps (the bound for this many indistinguishable blank nodes): "
          "the graph is too symmetric to canonicalize within the work limit");
    }
    --remaining_;
    std::map<std::string, std::vector<int>> related_by_hash;
    for (int position : node_quads_[static_cast<size_t>(node)]) {
      const IndexedQuad& quad = quads_[static_cast<size_t>(position)];
      const std::pair<int, char> components[] = {
          {quad.subject, 's'}, {quad.object, 'o'}, {quad.graph, 'g'}};
      for (const auto& [related, where] : components) {
        if (related < 0 || related == node) continue;
        CAIRN_ASSIGN_OR_RETURN(std::string hash, HashRelated(related, quad, issuer, where));
        related_by_hash[hash].push_back(related);
      }
    }
    std::string data;
    for (auto& [hash, related_nodes] : related_by_hash) {
      data += hash;
      std::string chosen_path;
      std::optional<Issuer> chosen_issuer;
      std::vector<int> permutation = related_nodes;
      std::sort(permutation.begin(), permutation.end());
      auto worse = [&](const std::string& path) {
        return !chosen_path.empty() && path.size() >= chosen_path.size() && path > chosen_path;
      };
      do {
        Issuer issuer_copy = issuer;
        std::string path;
        std::vector<int> recursion;
        bool skip = false;
        for (int related : permutation) {
          if (canonical_->Has(related)) {
            path += "_:" + canonical_->Id(related);
          } else {
            if (!issuer_copy.Has(related)) recursion.push_back(related);
            path += "_:" + issuer_copy.Issue(related);
          }
          if (worse(path)) {
            skip = true;
            break;
          }
        }
        for (size_t i = 0; !skip && i < recursion.size(); ++i) {
          int related = recursion[i];
          CAIRN_ASSIGN_OR_RETURN(auto result, HashNDegree(related, issuer_copy));
          path += "_:" + issuer_copy.Issue(related);
          path += '<';
          path += result.first;
          path += '>';
          issuer_copy = std::move(result.second);
          if (worse(path)) skip = true;
        }
        if (skip) continue;
        if (chosen_path.empty() || path < chosen_path) {
          chosen_path = std::move(path);
          chosen_issuer = std::move(issuer_copy);
        }
      } while (std::next_permutation(permutation.begin(), permutation.end()));
      data += chosen_path;
      if (chosen_issuer) issuer = std::move(*chosen_issuer);
    }
    CAIRN_ASSIGN_OR_RETURN(std::string hash, Sha256Hex(data));
    return std::make_pair(std::move(hash), std::move(issuer));
  }

  RdfcOptions options_;
  std::vector<IndexedQuad> quads_;
  std::vector<std::string> final_lines_;  // per quad: its line if it has no blank nodes
  std::vector<std::string> labels_;
  std::map<std::string, int, std::less<>> label_index_;
  std::vector<std::vector<int>> node_quads_;
  std::vector<std::string> first_degree_;
  std::optional<Issuer> canonical_;
  uint64_t remaining_ = 0;
  uint64_t limit_ = 0;
};

}  // namespace

Result<std::string> CanonicalizeDataset(const RdfDataset& dataset, const RdfcOptions& options) {
  Canonicalizer canonicalizer(dataset, options);
  return canonicalizer.Run();
}

Result<std::string> CanonicalNQuads(const boost::json::value& document,
                                    const RdfcOptions& options) {
  CAIRN_ASSIGN_OR_RETURN(RdfDataset dataset, JsonLdToRdf(document));
  return CanonicalizeDataset(dataset, options);
}

}  // namespace cairn::badge
