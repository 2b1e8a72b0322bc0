#include "net/reach/discovery_server.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <mutex>

#include "net/peer/socket_address.h"

namespace shoal::net {

std::string DiscoveryServer::Url() const { return base + "/?id=" + RendezvousIdText(server_id); }

Result<DiscoveryServer> ParseDiscoveryUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Fail(ErrorCode::kInvalidArgument,
                "a discovery server is https://HOST:PORT/?id=SERVER-ID");
  }
  std::string_view rest = url.substr(kScheme.size());
  auto slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash);
  auto id_at = tail.find("id=");
  if (hostport.empty() || id_at == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "discovery URL: needs HOST:PORT and ?id=SERVER-ID (the ID the server prints)");
  }
  if (!SplitHostPort(hostport))
    return Fail(ErrorCode::kInvalidArgument, "discovery URL: bad HOST:PORT");
  std::string_view id_text = tail.substr(id_at + 3);
  id_text = id_text.substr(0, id_text.find('&'));
  auto id = ParseRendezvousId(id_text);
  if (!id) return Fail(ErrorCode::kInvalidArgument, "discovery URL: " + id.error().message);
  return DiscoveryServer{"https://" + std::string(hostport), *id};
}

struct HttpsRequest::Work {
  uv_work_t request{};
  // In: copied, so the pool thread touches nothing of the loop's.
  std::string url, body, cert_pem, key_pem;
  RendezvousId pinned{};
  // Out.
  Result<HttpsResponse> result = Fail(ErrorCode::kIo, "not run");
  Done done;                      // cleared when the HttpsRequest is destroyed first
  HttpsRequest* owner = nullptr;  // cleared likewise
};

namespace {

// Runs inside the TLS handshake: the server's certificate must hash to the
// pinned ID, whatever signed it.
int VerifyPinned(X509_STORE_CTX* store, void* arg) {
  const auto* pinned = static_cast<const RendezvousId*>(arg);
  X509* cert = X509_STORE_CTX_get0_cert(store);
  if (cert == nullptr) return 0;
  int size = i2d_X509(cert, nullptr);
  if (size <= 0) return 0;
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &out);
  return CertificateId(reinterpret_cast<const unsigned char*>(der.data()), der.size()) == *pinned
             ? 1
             : 0;
}

CURLcode PinServer(CURL*, void* ssl_ctx, void* arg) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, VerifyPinned, arg);
  return CURLE_OK;
}

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

long HeaderSeconds(const std::string& headers, std::string_view name) {
  std::string lower;
  for (char c : headers) lower.push_back(static_cast<char>(std::tolower(c)));
  std::string key = "\n" + std::string(name) + ":";
  for (char& c : key) c = static_cast<char>(std::tolower(c));
  auto at = lower.find(key);
  if (at == std::string::npos) return 0;
  return std::strtol(headers.c_str() + at + key.size(), nullptr, 10);
}

void RunRequest(HttpsRequest::Work* work) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    work->result = Fail(ErrorCode::kIo, "discovery: curl_easy_init failed");
    return;
  }
  std::string body, headers = "\n";
  char error[CURL_ERROR_SIZE] = {};
  curl_blob cert{work->cert_pem.data(), work->cert_pem.size(), CURL_BLOB_NOCOPY};
  curl_blob key{work->key_pem.data(), work->key_pem.size(), CURL_BLOB_NOCOPY};
  curl_easy_setopt(curl, CURLOPT_URL, work->url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Short: a daemon that stops waits for a request in flight.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
  curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
  curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  // No certificate authority: the pin below is the whole check.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, PinServer);
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &work->pinned);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
  curl_slist* header_list = nullptr;
  if (!work->body.empty()) {
    header_list = curl_slist_append(header_list, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, work->body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(work->body.size()));
  }
  CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    work->result = Fail(ErrorCode::kIo, std::string("discovery server: ") +
                                            (error[0] != 0 ? error : curl_easy_strerror(code)));
  } else {
    HttpsResponse response;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    response.body = std::move(body);
    response.reannounce_after_s = HeaderSeconds(headers, "Reannounce-After");
    response.retry_after_s = HeaderSeconds(headers, "Retry-After");
    work->result = std::move(response);
  }
  curl_slist_free_all(header_list);
  curl_easy_cleanup(curl);
}

}  // namespace

Result<std::unique_ptr<HttpsRequest>> HttpsRequest::Start(
    EventLoop& loop, const DiscoveryServer& server, const std::string& path_and_query,
    std::string post_body, const RendezvousIdentity& identity, Done done) {
  auto* work = new Work;
  work->url = server.base + path_and_query;
  work->body = std::move(post_body);
  work->cert_pem = identity.cert_pem;
  work->key_pem = identity.key_pem;
  work->pinned = server.server_id;
  work->done = std::move(done);
  work->request.data = work;
  int rc = uv_queue_work(
      loop.get(), &work->request,
      [](uv_work_t* request) { RunRequest(static_cast<Work*>(request->data)); },
      [](uv_work_t* request, int) {
        std::unique_ptr<Work> finished(static_cast<Work*>(request->data));
        if (finished->owner != nullptr) finished->owner->work_ = nullptr;
        if (finished->done) finished->done(std::move(finished->result));
      });
  if (rc != 0) {
    delete work;
    return Fail(ErrorCode::kIo, std::string("uv_queue_work: ") + uv_strerror(rc));
  }
  std::unique_ptr<HttpsRequest> handle(new HttpsRequest(work));
  work->owner = handle.get();
  return handle;
}

HttpsRequest::~HttpsRequest() {
  // The work finishes on its own; its answer goes nowhere.
  if (work_ != nullptr) {
    work_->done = nullptr;
    work_->owner = nullptr;
  }
}

}  // namespace shoal::net
