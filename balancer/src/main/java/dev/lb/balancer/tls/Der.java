package dev.lb.balancer.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The little DER the key formats need: reading a SEC1 EC key's curve and wrapping PKCS#1 and SEC1
 * keys in the PKCS#8 envelope the JDK's {@code KeyFactory} reads (RFC 5208, RFC 5915). The JDK has
 * no public DER API, and Netty's and OkHttp's PEM readers take PKCS#8 only.
 */
final class Der {
    static final int SEQUENCE = 0x30;
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    /** 1.2.840.113549.1.1.1, rsaEncryption. */
    static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    /** 1.2.840.10045.2.1, id-ecPublicKey. */
    static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Der() {
    }

    /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
    static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
        byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, RSA_ENCRYPTION), tlv(NULL, new byte[0])));
        return tlv(SEQUENCE, concat(tlv(INTEGER, new byte[]{0}), algorithm, tlv(OCTET_STRING, pkcs1)));
    }

    /**
     * PKCS#8 PrivateKeyInfo around a SEC1 ECPrivateKey, whose curve it names in the algorithm.
     *
     * @throws IllegalArgumentException when the key does not name its curve or is not DER
     */
    static byte[] pkcs8FromSec1(byte[] sec1) {
        byte[] curve = sec1Curve(sec1);
        byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, EC_PUBLIC_KEY), tlv(OID, curve)));
        return tlv(SEQUENCE, concat(tlv(INTEGER, new byte[]{0}), algorithm, tlv(OCTET_STRING, sec1)));
    }

    /** ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, [0] parameters OID, [1] publicKey }. */
    private static byte[] sec1Curve(byte[] sec1) {
        Reader outer = new Reader(sec1, 0, sec1.length);
        Reader fields = outer.enter(SEQUENCE);
        fields.skip(INTEGER);
        fields.skip(OCTET_STRING);
        while (fields.more()) {
            int tag = fields.peekTag();
            if (tag == 0xa0) {
                Reader parameters = fields.enter(0xa0);
                return parameters.value(OID);
            }
            fields.skip(tag);
        }
        throw new IllegalArgumentException("the EC key does not name its curve");
    }

    static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int length = value.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Reads TLVs from {@code bytes[from, to)}; every read is checked against the bounds. */
    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private int at;

        Reader(byte[] bytes, int from, int to) {
            this.bytes = bytes;
            this.at = from;
            this.end = to;
        }

        boolean more() {
            return at < end;
        }

        int peekTag() {
            check(at < end);
            return bytes[at] & 0xff;
        }

        Reader enter(int tag) {
            int length = header(tag);
            Reader inner = new Reader(bytes, at, at + length);
            at += length;
            return inner;
        }

        void skip(int tag) {
            int length = header(tag); // first: header moves at past the tag and length
            at += length;
        }

        byte[] value(int tag) {
            int length = header(tag);
            byte[] value = Arrays.copyOfRange(bytes, at, at + length);
            at += length;
            return value;
        }

        /** Reads tag and length, leaving {@code at} on the value; returns the value's length. */
        private int header(int tag) {
            check(at + 2 <= end && (bytes[at] & 0xff) == tag);
            at++;
            int length = bytes[at++] & 0xff;
            if (length >= 0x80) {
                int count = length & 0x7f;
                check(count >= 1 && count <= 3 && at + count <= end);
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (bytes[at++] & 0xff);
                }
            }
            check(at + length <= end);
            return length;
        }

        private static void check(boolean ok) {
            if (!ok) {
                throw new IllegalArgumentException("the key is not valid DER");
            }
        }
    }
}
