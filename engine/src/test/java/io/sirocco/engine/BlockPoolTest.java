package io.sirocco.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.engine.KvCache.SequenceKv;
import org.junit.jupiter.api.Test;

/** Reference counts, the free queue's LRU order and the prefix index. */
class BlockPoolTest {
    static final BlockHash H1 = new BlockHash(1, 1), H2 = new BlockHash(2, 2), H3 = new BlockHash(3, 3);

    @Test
    void allocatesUntilFullAndTakesNothingOnFailure() {
        BlockPool p = new BlockPool(4, 16);
        SequenceKv a = new SequenceKv(), b = new SequenceKv();
        assertThat(p.ensure(a, 33)).isTrue();                // 3 blocks
        assertThat(a.blockCount()).isEqualTo(3);
        assertThat(p.ensure(b, 17)).isFalse();               // needs 2, 1 free
        assertThat(b.blockCount()).isZero();
        assertThat(p.freeBlocks()).isEqualTo(1);
        p.release(a);
        assertThat(p.freeBlocks()).isEqualTo(4);
        assertThat(a.blockCount()).isZero();
    }

    @Test
    void sharedBlocksFreeOnlyWhenTheLastHolderLeaves() {
        BlockPool p = new BlockPool(4, 16);
        SequenceKv a = new SequenceKv(), b = new SequenceKv();
        p.ensure(a, 16);
        p.register(a.block(0), H1);
        int shared = p.lookup(H1);
        assertThat(shared).isEqualTo(a.block(0));
        p.share(b, shared);
        p.release(a);
        assertThat(p.usedBlocks()).isEqualTo(1);
        p.release(b);
        assertThat(p.usedBlocks()).isZero();
        assertThat(p.lookup(H1)).as("an unheld cached block stays findable").isEqualTo(shared);
        SequenceKv c = new SequenceKv();
        p.share(c, shared);                                   // revived from the free queue
        assertThat(p.freeBlocks()).isEqualTo(3);
    }

    @Test
    void evictsLeastRecentlyFreedCachedBlocksFirst() {
        BlockPool p = new BlockPool(3, 16);
        SequenceKv a = new SequenceKv(), b = new SequenceKv(), c = new SequenceKv();
        p.ensure(a, 16);
        p.ensure(b, 16);
        p.ensure(c, 16);
        p.register(a.block(0), H1);
        p.register(b.block(0), H2);
        p.register(c.block(0), H3);
        p.release(b);                                         // freed first: evicted first
        p.release(a);
        p.release(c);
        SequenceKv d = new SequenceKv();
        p.ensure(d, 16);
        assertThat(p.lookup(H2)).isEqualTo(-1);
        assertThat(p.lookup(H1)).isNotEqualTo(-1);
        assertThat(p.lookup(H3)).isNotEqualTo(-1);
        assertThat(p.cachedBlocks()).isEqualTo(2);
    }

    @Test
    void aSequenceIsFreedTailFirstSoItsHeadOutlivesItsTail() {
        BlockPool p = new BlockPool(2, 16);
        SequenceKv a = new SequenceKv();
        p.ensure(a, 32);
        p.register(a.block(0), H1);
        p.register(a.block(1), H2);
        p.release(a);
        p.ensure(new SequenceKv(), 16);
        assertThat(p.lookup(H2)).isEqualTo(-1);
        assertThat(p.lookup(H1)).isNotEqualTo(-1);
    }

    @Test
    void aDuplicateHashKeepsTheFirstBlock() {
        BlockPool p = new BlockPool(2, 16);
        SequenceKv a = new SequenceKv(), b = new SequenceKv();
        p.ensure(a, 16);
        p.ensure(b, 16);
        p.register(a.block(0), H1);
        p.register(b.block(0), H1);
        assertThat(p.lookup(H1)).isEqualTo(a.block(0));
        assertThat(p.cachedBlocks()).isEqualTo(1);
    }
}
