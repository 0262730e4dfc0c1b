// Reference for SelfSpec.Text: runs Java Lucene 4.10's analysis on each input line and prints one output line.
//   java -cp <lucene jars> LuceneAnalysisOracle.java english|standard|porter INPUT_FILE
// english:  EnglishAnalyzer terms of the line, space-separated
// standard: StandardTokenizer tokens of the line, separated by U+0001
// porter:   PorterStemFilter stem of the whole line (one word)
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import org.apache.lucene.analysis.*;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.util.Version;

public class LuceneAnalysisOracle {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, "UTF-8");
        Analyzer english = new EnglishAnalyzer(Version.LUCENE_4_10_4);
        for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            TokenStream ts;
            String sep;
            switch (mode) {
                case "english": ts = english.tokenStream("f", new StringReader(line)); sep = " "; break;
                case "standard": ts = new StandardTokenizer(Version.LUCENE_4_10_4, new StringReader(line)); sep = "\u0001"; break;
                case "porter": ts = new PorterStemFilter(new KeywordTokenizer(new StringReader(line))); sep = " "; break;
                default: throw new IllegalArgumentException(mode);
            }
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            StringBuilder sb = new StringBuilder();
            boolean first = true;
            while (ts.incrementToken()) {
                if (!first) sb.append(sep);
                sb.append(term.toString());
                first = false;
            }
            ts.end();
            ts.close();
            out.println(sb);
        }
        out.flush();
    }
}
