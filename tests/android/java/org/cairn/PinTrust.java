package org.cairn;

import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** Trusts the one certificate whose DER hashes to the pin; host names are not checked. */
final class PinTrust extends X509ExtendedTrustManager {
  private final String pin;

  PinTrust(String pin) {
    this.pin = pin;
  }

  private void check(X509Certificate[] chain) throws CertificateException {
    try {
      final byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
      if (!HexFormat.of().formatHex(digest).equals(pin)) {
        throw new CertificateException("the server's certificate does not match the pin");
      }
    } catch (NoSuchAlgorithmException e) {
      throw new CertificateException(e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a device does not take client certificates");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a device does not take client certificates");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a device does not take client certificates");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }

  /** A TLS context that trusts only the certificate pinned by `pin`. */
  static SSLContext context(String pin) throws Exception {
    final SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new PinTrust(pin)}, null);
    return tls;
  }
}
