// Codecs of the small messages: Hello, Ping, Close, PairAccept, PairReveal, Punch.
#include "net/wire/field_codec.h"
#include "net/wire/messages.h"

namespace shoal::net::wire {

namespace {

Bytes EncodeHello(const Hello& message, bool with_addresses) {
  Bytes out;
  AppendString(out, message.device_name);
  AppendString(out, message.client_name);
  AppendString(out, message.client_version);
  AppendBigEndian64(out, message.instance_id);
  if (with_addresses) {
    AppendVarint(out, message.addresses.size());
    for (const std::string& address : message.addresses) AppendString(out, address);
  }
  return out;
}

Result<Hello> DecodeHello(ByteSpan body, bool with_addresses) {
  ByteReader reader(body);
  Hello m;
  auto device_name = ReadString(reader, kMaxDeviceNameLen, "Hello: device name");
  if (!device_name) return device_name.error();
  m.device_name = std::move(*device_name);
  auto client_name = ReadString(reader, kMaxClientFieldLen, "Hello: client name");
  if (!client_name) return client_name.error();
  m.client_name = std::move(*client_name);
  auto client_version = ReadString(reader, kMaxClientFieldLen, "Hello: client version");
  if (!client_version) return client_version.error();
  m.client_version = std::move(*client_version);
  auto instance_id = ReadBigEndian64(reader, "Hello: instance ID");
  if (!instance_id) return instance_id.error();
  m.instance_id = *instance_id;
  if (with_addresses) {
    auto count = ReadVarint(reader, "Hello: address count");
    if (!count) return count.error();
    if (*count > kMaxHelloAddresses) {
      return Fail(ErrorCode::kProtocol,
                  "Hello: more than " + std::to_string(kMaxHelloAddresses) + " addresses");
    }
    for (std::uint64_t i = 0; i < *count; ++i) {
      auto address = ReadString(reader, kMaxAddressLen, "Hello: address");
      if (!address) return address.error();
      m.addresses.push_back(std::move(*address));
    }
  }
  if (auto end = ExpectEnd(reader, "Hello"); !end) return end.error();
  return m;
}

}  // namespace

Bytes Encode(const Hello& message) { return EncodeHello(message, true); }
Bytes EncodeHelloWithoutAddresses(const Hello& message) { return EncodeHello(message, false); }
Result<Hello> DecodeHello(ByteSpan body) { return DecodeHello(body, true); }
Result<Hello> DecodeHelloWithoutAddresses(ByteSpan body) { return DecodeHello(body, false); }

Bytes Encode(const Ping&) { return {}; }

Result<Ping> DecodePing(ByteSpan body) {
  if (!body.empty()) return Fail(ErrorCode::kProtocol, "Ping: body must be empty");
  return Ping{};
}

Bytes Encode(const Close& message) {
  Bytes out;
  AppendU8(out, static_cast<std::uint8_t>(message.reason));
  AppendString(out, message.text);
  return out;
}

Result<Close> DecodeClose(ByteSpan body) {
  ByteReader reader(body);
  Close m;
  auto reason = ReadU8(reader, "Close: reason");
  if (!reason) return reason.error();
  m.reason = static_cast<CloseReason>(*reason);
  auto text = ReadString(reader, kMaxCloseTextLen, "Close: text");
  if (!text) return text.error();
  m.text = std::move(*text);
  if (auto end = ExpectEnd(reader, "Close"); !end) return end.error();
  return m;
}

Bytes Encode(const PairAccept& message) {
  Bytes out;
  AppendString(out, message.device_name);
  out.insert(out.end(), message.value.begin(), message.value.end());
  return out;
}

Result<PairAccept> DecodePairAccept(ByteSpan body) {
  ByteReader reader(body);
  PairAccept m;
  auto device_name = ReadString(reader, kMaxDeviceNameLen, "PairAccept: device name");
  if (!device_name) return device_name.error();
  m.device_name = std::move(*device_name);
  auto value = reader.ReadBytes(kPairingValueSize);
  if (!value) return ProtocolError(value.error(), "PairAccept: value");
  std::copy(value->begin(), value->end(), m.value.begin());
  if (auto end = ExpectEnd(reader, "PairAccept"); !end) return end.error();
  return m;
}

Bytes Encode(const PairReveal& message) {
  return Bytes(message.nonce.begin(), message.nonce.end());
}

Result<PairReveal> DecodePairReveal(ByteSpan body) {
  ByteReader reader(body);
  PairReveal m;
  auto nonce = reader.ReadBytes(kPairingValueSize);
  if (!nonce) return ProtocolError(nonce.error(), "PairReveal: nonce");
  std::copy(nonce->begin(), nonce->end(), m.nonce.begin());
  if (auto end = ExpectEnd(reader, "PairReveal"); !end) return end.error();
  return m;
}

Bytes Encode(const Punch& message) {
  Bytes out;
  AppendU8(out, static_cast<std::uint8_t>(message.stage));
  AppendBigEndian32(out, message.round);
  AppendVarint(out, message.endpoints.size());
  for (const std::string& endpoint : message.endpoints) AppendString(out, endpoint);
  return out;
}

Result<Punch> DecodePunch(ByteSpan body) {
  ByteReader reader(body);
  Punch m;
  auto stage = ReadU8(reader, "Punch: stage");
  if (!stage) return stage.error();
  if (*stage > static_cast<std::uint8_t>(PunchStage::kFail)) {
    return Fail(ErrorCode::kProtocol, "Punch: unknown stage " + std::to_string(*stage));
  }
  m.stage = static_cast<PunchStage>(*stage);
  auto round = ReadBigEndian32(reader, "Punch: round");
  if (!round) return round.error();
  m.round = *round;
  auto count = ReadVarint(reader, "Punch: endpoint count");
  if (!count) return count.error();
  if (*count > kMaxPunchEndpoints) {
    return Fail(ErrorCode::kProtocol,
                "Punch: more than " + std::to_string(kMaxPunchEndpoints) + " endpoints");
  }
  if (m.stage == PunchStage::kFail && *count != 0) {
    return Fail(ErrorCode::kProtocol, "Punch: a Fail carries no endpoints");
  }
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto endpoint = ReadString(reader, kMaxAddressLen, "Punch: endpoint");
    if (!endpoint) return endpoint.error();
    m.endpoints.push_back(std::move(*endpoint));
  }
  if (auto end = ExpectEnd(reader, "Punch"); !end) return end.error();
  return m;
}

}  // namespace shoal::net::wire
