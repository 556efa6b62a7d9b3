package io.sirocco.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Hand-built PNG files for tests (layouts ImageIO's writer cannot produce, and broken headers). */
final class TinyPng {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TinyPng(long width, long height, int bitDepth, int colorType) {
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk("IHDR", ByteBuffer.allocate(13).putInt((int) width).putInt((int) height)
                .put((byte) bitDepth).put((byte) colorType).put((byte) 0).put((byte) 0).put((byte) 0).array());
    }

    TinyPng chunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return this;
    }

    /** IDAT from unfiltered scanlines (each row gets filter byte 0 here). */
    TinyPng rows(byte[][] scanlines) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (byte[] row : scanlines) {
            raw.write(0);
            raw.writeBytes(row);
        }
        Deflater d = new Deflater();
        d.setInput(raw.toByteArray());
        d.finish();
        byte[] buf = new byte[raw.size() + 1024];
        int n = d.deflate(buf);
        d.end();
        return chunk("IDAT", java.util.Arrays.copyOf(buf, n));
    }

    byte[] end() {
        chunk("IEND", new byte[0]);
        return out.toByteArray();
    }
}
