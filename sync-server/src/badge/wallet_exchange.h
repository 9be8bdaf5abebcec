// Handing a credential to a wallet (docs/badges.md "Into a wallet"), in the VC-API exchange the
// Learner Credential Wallet speaks: the hosted page offers a link — as a QR code and as a deep
// link — carrying a wallet request
//
//   {"credentialRequestOrigin": "https://host", "protocols": {"vcapi": "<credential id>/exchange"}}
//
// URL-encoded in the `request` query parameter of dccrequest://request (the app's own scheme)
// or https://lcw.app/request.html (which a phone's camera opens, and which hands the same query
// to the app). The wallet then POSTs `{}` to the exchange URL and receives the credential in a
// verifiablePresentation: the "offer on first POST" exchange. The credential is public by design
// (anyone with its link may fetch it), so the exchange asks for no DID authentication; the
// wallet of 2026 drops credentials that follow one anyway.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_BADGE_WALLET_EXCHANGE_H_
#define CAIRN_SERVER_BADGE_WALLET_EXCHANGE_H_

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace cairn::server {

// The exchange endpoint of the credential whose `id` (its public URL) is given.
std::string ExchangeUrl(std::string_view credential_id);

// The wallet request JSON above, compact.
std::string WalletRequest(std::string_view credential_id);

// The request as the app's deep link, and as the web link a camera opens.
std::string WalletAppLink(std::string_view credential_id);
std::string WalletWebLink(std::string_view credential_id);

// The answer to the wallet's POST: an unsigned VerifiablePresentation holding the credential.
boost::json::object ExchangeOffer(const boost::json::object& credential);

// The answer to GET on the exchange URL (a VC-API interaction URL): which protocols it speaks.
boost::json::object ExchangeProtocols(std::string_view credential_id);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_WALLET_EXCHANGE_H_
