package io.cohort.crypto.pki;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM files: private keys (PKCS#8 {@code PRIVATE KEY}; OpenSSL's {@code EC PRIVATE KEY} is also
 * read) and certificate chains ({@code CERTIFICATE} blocks, leaf first).
 *
 * <p><b>Security guarantees.</b> A private key is written to a temporary file in the target's directory that is
 * <em>created</em> owner-only, and only then are the key bytes written; the file is flushed to disk and atomically
 * renamed over the target, so a reader sees either the old file or the whole new one, and no other user can ever
 * read the key through it. Directories that have to be created for a key are created {@code rwx------} where POSIX
 * permissions exist; existing directories are left as they are. On a file system with POSIX permissions the temporary file is created atomically with
 * {@code rw-------} (the umask can only remove bits). Fallbacks, where POSIX permissions are not supported: on a file
 * system with ACLs (Windows NTFS) the empty file is created, its ACL is replaced by one entry that allows only its
 * owner, and then the key is written; where neither is supported, {@link File#setReadable(boolean, boolean)} and
 * friends restrict the empty file best-effort before the key is written (check the result yourself there). Keys are
 * written unencrypted: protect the directory. Encrypted keys are refused on reading. Files over 1 MiB and files
 * with more than 64 PEM objects are refused. <b>Not</b> provided: protection from the same user or root, secure
 * deletion of an overwritten key.
 */
public final class PemFiles {
  private static final long MAX_FILE_BYTES = 1 << 20;
  private static final int MAX_OBJECTS = 64;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  private static final Set<PosixFilePermission> OWNER_DIRECTORY = EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

  private PemFiles() {}

  /** Writes {@code key} as an unencrypted PKCS#8 PEM file readable and writable only by its owner (see above). */
  public static void writePrivateKey(Path file, PrivateKey key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      writer.writeObject(new JcaPKCS8Generator(key, null));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode the private key as PKCS#8: " + e.getMessage(), e);
    }
    write(file, pem.toString().getBytes(StandardCharsets.US_ASCII), true);
  }

  /**
   * Reads the one private key in {@code file} (EC, RSA or Ed25519; PKCS#8 or OpenSSL's traditional EC form).
   *
   * @throws IllegalArgumentException if the file holds no key, more than one, or an encrypted one
   * @throws UncheckedIOException if the file cannot be read
   */
  public static PrivateKey readPrivateKey(Path file) {
    List<Object> objects = parse(readBounded(file), file.toString());
    PrivateKey key = null;
    for (Object object : objects) {
      PrivateKeyInfo info;
      if (object instanceof PrivateKeyInfo pkcs8) {
        info = pkcs8;
      } else if (object instanceof PEMKeyPair pair) {
        info = pair.getPrivateKeyInfo();
      } else if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
        throw new IllegalArgumentException(file + ": encrypted private keys are not supported");
      } else if (object instanceof ASN1ObjectIdentifier) {
        continue; // an "EC PARAMETERS" block, as `openssl ecparam -genkey` writes before the key
      } else {
        throw new IllegalArgumentException(file + ": unexpected PEM object " + object.getClass().getSimpleName()
            + " in a private key file");
      }
      if (key != null) {
        throw new IllegalArgumentException(file + ": more than one private key");
      }
      key = toPrivateKey(info, file.toString());
    }
    if (key == null) {
      throw new IllegalArgumentException(file + ": no private key found");
    }
    return key;
  }

  /** Writes {@code certificates} (leaf first) as PEM; the file is replaced atomically, with default permissions. */
  public static void writeCertificates(Path file, List<X509Certificate> certificates) {
    write(file, encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII), false);
  }

  /**
   * Reads every certificate in {@code file}, in file order.
   *
   * @throws IllegalArgumentException if the file holds no certificate or anything else than certificates
   */
  public static List<X509Certificate> readCertificates(Path file) {
    return decode(readBounded(file), file.toString());
  }

  /** The PEM text of {@code certificates}, e.g. for an enrolment response. */
  public static String encodeCertificates(List<X509Certificate> certificates) {
    if (certificates == null || certificates.isEmpty()) {
      throw new IllegalArgumentException("certificates must not be empty");
    }
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      for (X509Certificate certificate : certificates) {
        writer.writeObject(certificate);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode a certificate: " + e.getMessage(), e);
    }
    return pem.toString();
  }

  /** The certificates in PEM text, in order; the inverse of {@link #encodeCertificates}. */
  public static List<X509Certificate> decodeCertificates(String pem) {
    if (pem == null || pem.length() > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("PEM text must be present and at most " + MAX_FILE_BYTES + " characters");
    }
    return decode(pem, "PEM text");
  }

  private static List<X509Certificate> decode(String pem, String source) {
    List<X509Certificate> certificates = new ArrayList<>();
    for (Object object : parse(pem, source)) {
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new IllegalArgumentException(source + ": expected only certificates, found "
            + object.getClass().getSimpleName());
      }
      try {
        certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
      } catch (CertificateException e) { // Bouncy Castle reads some certificates that the JDK refuses
        throw new IllegalArgumentException(source + ": certificate " + (certificates.size() + 1)
            + " is malformed: " + e.getMessage(), e);
      }
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(source + ": no certificate found");
    }
    return List.copyOf(certificates);
  }

  private static List<Object> parse(String pem, String source) {
    List<Object> objects = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (int i = 0; i <= MAX_OBJECTS; i++) {
        Object object = parser.readObject();
        if (object == null) {
          return objects;
        }
        objects.add(object);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(source + ": malformed PEM: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(source + ": more than " + MAX_OBJECTS + " PEM objects");
  }

  private static PrivateKey toPrivateKey(PrivateKeyInfo info, String source) {
    ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    String algorithm;
    if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      algorithm = "EC";
    } else if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      algorithm = "RSA";
    } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
      algorithm = "Ed25519";
    } else {
      throw new IllegalArgumentException(source + ": unsupported private key algorithm " + oid);
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(source + ": invalid " + algorithm + " private key: " + e.getMessage(), e);
    }
  }

  private static String readBounded(Path file) {
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) MAX_FILE_BYTES + 1); // bounded, whatever the file is (a FIFO, a device)
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
    }
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] < 0) { // malformed content, not an I/O failure: the caller's IllegalArgumentException
        throw new IllegalArgumentException(String.format("%s: not a PEM file: byte 0x%02X at offset %d is not ASCII",
            file, bytes[i] & 0xff, i));
      }
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  /** Writes {@code content} to a fresh temporary sibling, flushes it and renames it over {@code file}. */
  private static void write(Path file, byte[] content, boolean secret) {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(randomBytes()) + ".tmp");
    try {
      if (secret && !Files.isDirectory(dir) && dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
      } else {
        Files.createDirectories(dir);
      }
      FileStore store = Files.getFileStore(dir);
      boolean posix = store.supportsFileAttributeView(PosixFileAttributeView.class);
      Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      FileAttribute<?>[] attributes = secret && posix
          ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
      try (FileChannel channel = FileChannel.open(temp, options, attributes)) {
        if (secret && !posix) {
          restrictToOwner(temp, store);
        }
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // best effort: the rename failed and so did the clean-up; the temp file is owner-only if it held a key
      }
    }
  }

  /** The non-POSIX fallbacks, applied to the still-empty file. */
  private static void restrictToOwner(Path empty, FileStore store) throws IOException {
    if (store.supportsFileAttributeView(AclFileAttributeView.class)) {
      AclFileAttributeView view = Files.getFileAttributeView(empty, AclFileAttributeView.class);
      UserPrincipal owner = view.getOwner();
      AclEntry entry = AclEntry.newBuilder().setType(AclEntryType.ALLOW).setPrincipal(owner)
          .setPermissions(EnumSet.of(AclEntryPermission.READ_DATA, AclEntryPermission.WRITE_DATA,
              AclEntryPermission.APPEND_DATA, AclEntryPermission.READ_ATTRIBUTES,
              AclEntryPermission.WRITE_ATTRIBUTES, AclEntryPermission.READ_NAMED_ATTRS,
              AclEntryPermission.WRITE_NAMED_ATTRS, AclEntryPermission.READ_ACL, AclEntryPermission.WRITE_ACL,
              AclEntryPermission.DELETE, AclEntryPermission.SYNCHRONIZE))
          .build();
      view.setAcl(List.of(entry));
      return;
    }
    File legacy = empty.toFile();
    boolean ok = legacy.setReadable(false, false) & legacy.setReadable(true, true)
        & legacy.setWritable(false, false) & legacy.setWritable(true, true)
        & legacy.setExecutable(false, false);
    if (!ok) {
      throw new IOException("cannot restrict " + empty + " to its owner; refusing to write a private key there");
    }
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[8];
    X509Support.RANDOM.nextBytes(bytes);
    return bytes;
  }
}
