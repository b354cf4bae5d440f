package dev.servicekit.etcd;

import dev.servicekit.core.PemTlsFiles;
import dev.servicekit.core.PemTlsFiles.Material;
import dev.servicekit.core.PemTlsFiles.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The TLS of the connections to etcd ({@code config.etcd.tls.*}), as {@code etcdctl --cacert --cert --key} takes it:
 * a PEM file of the CA certificates that may sign the endpoints' certificates (instead of the JVM's trust store), and
 * a client certificate (PEM, the leaf first) with its unencrypted PKCS#8 private key, for an etcd that asks for one
 * ({@code --client-cert-auth}). The files are read by servicekit-core's {@link PemTlsFiles} (the JDK's parsers;
 * servicekit-etcd stays free of Helidon), which names the file and the fix of each problem.
 */
final class EtcdTls {

    /** The keys of the files, for the problems' messages. */
    static final PemTlsFiles.Keys KEYS = new PemTlsFiles.Keys(
            EtcdConfigKeys.CONFIG_ETCD_TLS_CA_FILE,
            EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE,
            EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE);

    /** The files, each optional; a client certificate needs its key and the other way round. */
    record TlsFiles(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {
        boolean any() {
            return ca.isPresent() || certificate.isPresent() || key.isPresent();
        }

        PemTlsFiles pem() {
            return new PemTlsFiles(KEYS, ca, certificate, key);
        }
    }

    /** What keeps the files from making a TLS context: one message per problem, each naming its key and file. */
    static final class Problems extends PemTlsFiles.Problems {
        private static final long serialVersionUID = 1L;

        Problems(List<Problem> problems) {
            super(problems);
        }
    }

    private EtcdTls() {}

    /**
     * The TLS context the files describe: the CA file's certificates trusted (else the JVM's trust store), the client
     * certificate and key presented when etcd asks for one. Each handshake uses the files as they are then: when one
     * changed (a renewed certificate, a new CA), it is read again; when the new files do not make a context (a file
     * half written, a key that is not the certificate's), the last good material stays and a warning says why.
     *
     * @throws Problems listing every problem with the files
     */
    static SSLContext context(TlsFiles files) throws Problems {
        try {
            return files.pem().context();
        } catch (PemTlsFiles.Problems e) {
            throw new Problems(e.problems());
        }
    }

    /** Reads the files into key and trust managers. */
    static Material load(TlsFiles files) throws Problems {
        try {
            return files.pem().load();
        } catch (PemTlsFiles.Problems e) {
            throw new Problems(e.problems());
        }
    }

    /** What tells that a file changed: each named file's size and modification time (or that it is missing). */
    static String stamp(TlsFiles files) {
        return files.pem().stamp();
    }

    /**
     * The managers of the current files: a handshake asks {@link PemTlsFiles.Reloading#current()}, which looks at the
     * files' stamp at most once a second and reads them again when it changed.
     */
    static final class Reloading extends PemTlsFiles.Reloading {
        Reloading(TlsFiles files, Material material, java.util.function.LongSupplier clock) {
            super(files.pem(), material, clock);
        }
    }
}
