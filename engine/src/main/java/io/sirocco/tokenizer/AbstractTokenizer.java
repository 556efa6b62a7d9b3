package io.sirocco.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Decoding shared by the byte-oriented tokenizers: concatenate token bytes, then read them as UTF-8. */
abstract class AbstractTokenizer implements Tokenizer {

    /** SentencePiece vocabularies drop the space that encoding put in front of the text. */
    boolean stripsLeadingSpace() {
        return false;
    }

    final void checkId(int id) {
        if (id < 0 || id >= vocabSize())
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + vocabSize() + ")");
    }

    @Override
    public String decode(int[] ids, SpecialTokenPolicy policy) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean atStart = true;
        for (int id : ids) {
            checkId(id);
            byte[] b = tokenBytes(id);
            if (isSpecial(id)) {
                if (policy == SpecialTokenPolicy.KEEP) out.writeBytes(b);
                continue;
            }
            int from = atStart && stripsLeadingSpace() && b.length > 0 && b[0] == ' ' ? 1 : 0;
            atStart = false;
            out.write(b, from, b.length - from);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public StreamingDecoder streamingDecoder(SpecialTokenPolicy policy) {
        return new Utf8StreamingDecoder(this, policy);
    }

    @Override
    public Optional<String> version() {
        return Optional.empty();
    }
}
