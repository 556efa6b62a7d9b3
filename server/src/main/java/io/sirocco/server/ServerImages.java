package io.sirocco.server;

import io.sirocco.chat.Chunk;
import io.sirocco.chat.instruct.ImageResolver;
import io.sirocco.chat.instruct.ResolvedImage;
import io.sirocco.image.ImageDecoder;
import io.sirocco.image.ImageInputException;
import io.sirocco.image.RgbImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Image chunks → decoded RGB: data URLs and bare base64 inline; http(s) URLs fetched with a time limit and a size
 * limit (the body is read up to the limit, never further).
 */
final class ServerImages implements ImageResolver {

    /** A decoded image with its size, what the chat encoder needs to lay out its tokens. */
    record Decoded(RgbImage rgb) implements ResolvedImage {
        @Override
        public int width() {
            return rgb.width();
        }

        @Override
        public int height() {
            return rgb.height();
        }
    }

    private final ImageDecoder decoder;
    private final ServerConfig config;
    private final HttpClient http;

    ServerImages(ServerConfig config) {
        this.config = config;
        this.decoder = new ImageDecoder(new ImageDecoder.Limits(config.maxImageBytes(), ImageDecoder.Limits.DEFAULT.maxPixels()));
        this.http = HttpClient.newBuilder().connectTimeout(config.imageFetchTimeout()).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public ResolvedImage resolve(Chunk.Image image) {
        String url = image.url();
        if (url.regionMatches(true, 0, "http://", 0, 7) || url.regionMatches(true, 0, "https://", 0, 8))
            return new Decoded(decoder.decode(fetch(url)));
        return new Decoded(decoder.decodeBase64(url));
    }

    private byte[] fetch(String url) {
        if (!config.allowImageUrls()) throw new ImageInputException("fetching image URLs is disabled on this server; send a data: URL");
        Duration timeout = config.imageFetchTimeout();
        long limit = config.maxImageBytes();
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() != 200) throw new ImageInputException("fetching " + url + " gave HTTP " + resp.statusCode());
                long declared = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > limit) throw new ImageInputException("image at " + url + " is " + declared + " bytes, limit " + limit);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[64 * 1024];
                long deadline = System.nanoTime() + timeout.toNanos();
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (out.size() + n > limit) throw new ImageInputException("image at " + url + " is larger than " + limit + " bytes");
                    if (System.nanoTime() > deadline) throw new ImageInputException("fetching " + url + " took longer than " + timeout);
                    out.write(buf, 0, n);
                }
                return out.toByteArray();
            }
        } catch (ImageInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ImageInputException("invalid image URL: " + url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageInputException("interrupted while fetching " + url);
        } catch (Exception e) {
            throw new ImageInputException("cannot fetch image " + url + ": " + e.getMessage(), e);
        }
    }
}
