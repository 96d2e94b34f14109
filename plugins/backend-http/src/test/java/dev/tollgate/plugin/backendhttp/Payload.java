package dev.tollgate.plugin.backendhttp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Large bodies generated on the fly, never held in memory: a pseudo-random block of a prime
 * length repeated, so that block boundaries never line up with transfer buffers, with its CRC32
 * computed the same way on both ends.
 */
final class Payload {
    private static final byte[] BLOCK = new byte[65_521];

    static {
        new Random(20261122L).nextBytes(BLOCK);
    }

    private Payload() {
    }

    /** {@code size} bytes of the payload. */
    static InputStream stream(long size) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                if (position >= size) {
                    return -1;
                }
                return BLOCK[(int) (position++ % BLOCK.length)] & 0xFF;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (position >= size) {
                    return -1;
                }
                int count = (int) Math.min(length, size - position);
                int written = 0;
                while (written < count) {
                    int blockOffset = (int) (position % BLOCK.length);
                    int run = Math.min(count - written, BLOCK.length - blockOffset);
                    System.arraycopy(BLOCK, blockOffset, buffer, offset + written, run);
                    written += run;
                    position += run;
                }
                return count;
            }
        };
    }

    /** Writes {@code size} bytes of the payload. */
    static void write(OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[32 * 1024];
        try (InputStream in = stream(size)) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                out.write(buffer, 0, read);
            }
        }
    }

    /** The CRC32 of {@code size} bytes of the payload. */
    static long crc(long size) throws IOException {
        return checksum(stream(size)).crc();
    }

    /** Reads a stream to its end: its length and CRC32. */
    static Checksum checksum(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            crc.update(buffer, 0, read);
            total += read;
        }
        return new Checksum(total, crc.getValue());
    }

    /** A body's length and CRC32. */
    record Checksum(long bytes, long crc) {
    }
}
