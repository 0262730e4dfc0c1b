// Reference for SelfSpec.Retrieval: Java Lucene 4.10.4, EnglishAnalyzer + BM25Similarity(k1, b).
//
//   java -cp <lucene jars> LuceneBm25Reference.java search DOCS.tsv QUERIES.txt K [k1 b [DELETES.txt]]
//       indexes DOCS.tsv (id<TAB>text per line) in memory (one segment), optionally deletes the ids listed in
//       DELETES.txt without merging (so deleted documents still count in maxDoc and docFreq, as Lucene does),
//       runs each query line as an OR of its analysed terms
//       (one SHOULD TermQuery per term occurrence: what QueryParser makes of plain words), and prints per query
//       one line: id:score id:score ...  (best first)
//   java ... bench DOCS.tsv QUERIES.txt K INDEX_DIR THREADS RESULTS_OUT
//       builds an on-disk index (timed, merged to one segment), then times each query single-threaded and a batch
//       run on THREADS threads; prints key=value lines: build_ms, docs, p50_ms, p95_ms, mean_ms, batch_qps;
//       writes each query's top-k ids (one line per query) to RESULTS_OUT.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.analysis.*;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.*;
import org.apache.lucene.util.Version;

public class LuceneBm25Reference {
    static final Version V = Version.LUCENE_4_10_4;

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path docs = Paths.get(args[1]);
        List<String> queries = Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8);
        int k = Integer.parseInt(args[3]);
        BooleanQuery.setMaxClauseCount(Integer.MAX_VALUE);
        Analyzer analyzer = new EnglishAnalyzer(V);
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, "UTF-8");
        if (mode.equals("search")) {
            float k1 = args.length > 4 ? Float.parseFloat(args[4]) : 1.2f;
            float b = args.length > 5 ? Float.parseFloat(args[5]) : 0.75f;
            BM25Similarity sim = new BM25Similarity(k1, b);
            Directory dir = new RAMDirectory();
            index(dir, docs, analyzer, sim);
            if (args.length > 6) {
                IndexWriterConfig cfg = new IndexWriterConfig(V, analyzer);
                cfg.setSimilarity(sim);
                cfg.setMergePolicy(NoMergePolicy.INSTANCE);
                try (IndexWriter w = new IndexWriter(dir, cfg)) {
                    for (String id : Files.readAllLines(Paths.get(args[6]), StandardCharsets.UTF_8))
                        if (!id.isEmpty()) w.deleteDocuments(new Term("id", id));
                }
            }
            IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
            searcher.setSimilarity(sim);
            for (String q : queries) {
                TopDocs top = searcher.search(buildQuery(analyzer, q), k);
                StringBuilder sb = new StringBuilder();
                for (ScoreDoc sd : top.scoreDocs) {
                    if (sb.length() > 0) sb.append(' ');
                    sb.append(searcher.doc(sd.doc).get("id")).append(':').append(sd.score);
                }
                out.println(sb);
            }
        } else if (mode.equals("bench")) {
            BM25Similarity sim = new BM25Similarity();
            Path indexDir = Paths.get(args[4]);
            int threads = Integer.parseInt(args[5]);
            com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            java.lang.management.ThreadMXBean tmx = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            Directory dir = FSDirectory.open(indexDir.toFile());
            int n = index(dir, docs, analyzer, sim);
            long buildMs = (System.nanoTime() - t0) / 1_000_000;
            double buildCpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
            final IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
            searcher.setSimilarity(sim);
            List<Query> parsed = new ArrayList<>();
            for (String q : queries) parsed.add(buildQuery(analyzer, q));
            for (int i = 0; i < Math.min(50, parsed.size()); i++) searcher.search(parsed.get(i), k); // warm-up
            double[] ms = new double[parsed.size()];
            double[] cpuMs = new double[parsed.size()];
            TopDocs[] results = new TopDocs[parsed.size()];
            for (int i = 0; i < parsed.size(); i++) {
                long c = tmx.getCurrentThreadCpuTime();
                long s = System.nanoTime();
                results[i] = searcher.search(parsed.get(i), k);
                ms[i] = (System.nanoTime() - s) / 1e6;
                cpuMs[i] = (tmx.getCurrentThreadCpuTime() - c) / 1e6;
            }
            Arrays.sort(cpuMs);
            try (PrintWriter rw = new PrintWriter(Files.newBufferedWriter(Paths.get(args[6]), StandardCharsets.UTF_8))) {
                for (TopDocs td : results) {
                    StringBuilder sb = new StringBuilder();
                    for (ScoreDoc sd : td.scoreDocs) {
                        if (sb.length() > 0) sb.append(' ');
                        sb.append(searcher.doc(sd.doc).get("id"));
                    }
                    rw.println(sb);
                }
            }
            double mean = Arrays.stream(ms).average().orElse(0);
            Arrays.sort(ms);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            AtomicInteger next = new AtomicInteger();
            long b0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) fs.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < parsed.size()) {
                    try { searcher.search(parsed.get(i), k); } catch (IOException e) { throw new UncheckedIOException(e); }
                }
            }));
            for (Future<?> f : fs) f.get();
            double batchS = (System.nanoTime() - b0) / 1e9;
            pool.shutdown();
            out.println("docs=" + n);
            out.println("build_ms=" + buildMs);
            out.println("build_cpu_ms=" + buildCpuMs);
            out.println("p50_cpu_ms=" + cpuMs[cpuMs.length / 2]);
            out.println("p95_cpu_ms=" + cpuMs[(int) Math.min(cpuMs.length - 1, Math.ceil(cpuMs.length * 0.95) - 1)]);
            out.println("p50_ms=" + ms[ms.length / 2]);
            out.println("p95_ms=" + ms[(int) Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]);
            out.println("mean_ms=" + mean);
            out.println("batch_qps=" + (parsed.size() / batchS));
            long bytes = 0;
            for (File f : indexDir.toFile().listFiles()) bytes += f.length();
            out.println("index_bytes=" + bytes);
        } else throw new IllegalArgumentException(mode);
        out.flush();
    }

    static int index(Directory dir, Path docs, Analyzer analyzer, BM25Similarity sim) throws IOException {
        IndexWriterConfig cfg = new IndexWriterConfig(V, analyzer);
        cfg.setSimilarity(sim);
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setRAMBufferSizeMB(256);
        int n = 0;
        try (IndexWriter w = new IndexWriter(dir, cfg);
             BufferedReader r = Files.newBufferedReader(docs, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                int tab = line.indexOf('\t');
                Document d = new Document();
                d.add(new StringField("id", line.substring(0, tab), Field.Store.YES));
                d.add(new TextField("text", line.substring(tab + 1), Field.Store.NO));
                w.addDocument(d);
                n++;
            }
            w.forceMerge(1);
        }
        return n;
    }

    static Query buildQuery(Analyzer analyzer, String text) throws IOException {
        BooleanQuery q = new BooleanQuery();
        try (TokenStream ts = analyzer.tokenStream("text", new StringReader(text))) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) q.add(new TermQuery(new Term("text", term.toString())), BooleanClause.Occur.SHOULD);
            ts.end();
        }
        return q;
    }
}
