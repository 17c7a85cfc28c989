package jp.nmi.enclave.demo;

import java.util.List;

/** Fixed lists the synthetic world draws from: names, places, and their weights. All fictional. */
final class ReferenceData {
    private ReferenceData() {}

    record Name(String kanji, String kana) {}

    static final List<Name> FAMILY_NAMES = List.of(
            new Name("佐藤", "サトウ"), new Name("鈴木", "スズキ"), new Name("高橋", "タカハシ"),
            new Name("田中", "タナカ"), new Name("伊藤", "イトウ"), new Name("渡辺", "ワタナベ"),
            new Name("山本", "ヤマモト"), new Name("中村", "ナカムラ"), new Name("小林", "コバヤシ"),
            new Name("加藤", "カトウ"), new Name("吉田", "ヨシダ"), new Name("山田", "ヤマダ"),
            new Name("佐々木", "ササキ"), new Name("山口", "ヤマグチ"), new Name("松本", "マツモト"),
            new Name("井上", "イノウエ"), new Name("木村", "キムラ"), new Name("林", "ハヤシ"),
            new Name("斎藤", "サイトウ"), new Name("清水", "シミズ"), new Name("山崎", "ヤマザキ"),
            new Name("森", "モリ"), new Name("池田", "イケダ"), new Name("橋本", "ハシモト"),
            new Name("阿部", "アベ"), new Name("石川", "イシカワ"), new Name("山下", "ヤマシタ"),
            new Name("中島", "ナカジマ"), new Name("石井", "イシイ"), new Name("小川", "オガワ"),
            new Name("前田", "マエダ"), new Name("岡田", "オカダ"), new Name("長谷川", "ハセガワ"),
            new Name("藤田", "フジタ"), new Name("後藤", "ゴトウ"), new Name("近藤", "コンドウ"));

    static final List<Name> GIVEN_NAMES_F = List.of(
            new Name("花子", "ハナコ"), new Name("陽子", "ヨウコ"), new Name("恵子", "ケイコ"),
            new Name("直美", "ナオミ"), new Name("由美", "ユミ"), new Name("真由美", "マユミ"),
            new Name("美穂", "ミホ"), new Name("愛", "アイ"), new Name("さくら", "サクラ"),
            new Name("結衣", "ユイ"), new Name("陽菜", "ヒナ"), new Name("和子", "カズコ"),
            new Name("幸子", "サチコ"), new Name("久美子", "クミコ"), new Name("智子", "トモコ"),
            new Name("明美", "アケミ"), new Name("優子", "ユウコ"), new Name("麻衣", "マイ"),
            new Name("千尋", "チヒロ"), new Name("静香", "シズカ"));

    static final List<Name> GIVEN_NAMES_M = List.of(
            new Name("太郎", "タロウ"), new Name("健一", "ケンイチ"), new Name("誠", "マコト"),
            new Name("浩", "ヒロシ"), new Name("大輔", "ダイスケ"), new Name("翔太", "ショウタ"),
            new Name("拓也", "タクヤ"), new Name("隆", "タカシ"), new Name("茂", "シゲル"),
            new Name("清", "キヨシ"), new Name("学", "マナブ"), new Name("健太", "ケンタ"),
            new Name("直樹", "ナオキ"), new Name("修", "オサム"), new Name("勇", "イサム"),
            new Name("和夫", "カズオ"), new Name("蓮", "レン"), new Name("悠真", "ユウマ"),
            new Name("亮", "リョウ"), new Name("正雄", "マサオ"));

    /** One of the 8 regions of origin, its population weight, and a few of its places. */
    record Region(String name, double weight, List<Place> places) {}

    record Place(String prefecture, String city, String areaCode) {}

    static final List<Region> REGIONS = List.of(
            new Region(jp.nmi.enclave.dataset.Region.HOKKAIDO.label(), 0.04, List.of(
                    new Place("北海道", "札幌市中央区", "011"), new Place("北海道", "旭川市", "0166"))),
            new Region(jp.nmi.enclave.dataset.Region.TOHOKU.label(), 0.07, List.of(
                    new Place("宮城県", "仙台市青葉区", "022"), new Place("岩手県", "盛岡市", "019"),
                    new Place("福島県", "郡山市", "024"))),
            new Region(jp.nmi.enclave.dataset.Region.KANTO.label(), 0.35, List.of(
                    new Place("東京都", "世田谷区", "03"), new Place("東京都", "練馬区", "03"),
                    new Place("神奈川県", "横浜市港北区", "045"), new Place("埼玉県", "さいたま市浦和区", "048"),
                    new Place("千葉県", "船橋市", "047"), new Place("茨城県", "つくば市", "029"))),
            new Region(jp.nmi.enclave.dataset.Region.CHUBU.label(), 0.17, List.of(
                    new Place("愛知県", "名古屋市千種区", "052"), new Place("静岡県", "浜松市中区", "053"),
                    new Place("新潟県", "新潟市中央区", "025"), new Place("長野県", "松本市", "0263"))),
            new Region(jp.nmi.enclave.dataset.Region.KINKI.label(), 0.18, List.of(
                    new Place("大阪府", "大阪市北区", "06"), new Place("京都府", "京都市左京区", "075"),
                    new Place("兵庫県", "神戸市中央区", "078"), new Place("奈良県", "奈良市", "0742"))),
            new Region(jp.nmi.enclave.dataset.Region.CHUGOKU.label(), 0.06, List.of(
                    new Place("広島県", "広島市中区", "082"), new Place("岡山県", "岡山市北区", "086"))),
            new Region(jp.nmi.enclave.dataset.Region.SHIKOKU.label(), 0.03, List.of(
                    new Place("愛媛県", "松山市", "089"), new Place("香川県", "高松市", "087"))),
            new Region(jp.nmi.enclave.dataset.Region.KYUSHU.label(), 0.10, List.of(
                    new Place("福岡県", "福岡市博多区", "092"), new Place("熊本県", "熊本市中央区", "096"),
                    new Place("鹿児島県", "鹿児島市", "099"), new Place("沖縄県", "那覇市", "098"))));

    static final List<String> TOWN_PARTS = List.of(
            "桜丘", "緑町", "本町", "中央", "旭町", "若葉", "栄町", "東町", "西町", "南町", "北町", "松が丘", "宮前", "川端");

    /** The biobank that collects in a region. */
    static String biobankOf(String region) {
        return switch (jp.nmi.enclave.dataset.Region.of(region).orElseThrow()) {
            case HOKKAIDO, TOHOKU, KANTO -> "Hokuto Biobank";
            case CHUBU, KINKI -> "Chuo Biobank";
            case CHUGOKU, SHIKOKU, KYUSHU -> "Nishi Biobank";
        };
    }

    /** Chromosome lengths of GRCh38 autosomes 1-22. */
    static final long[] CHROMOSOME_LENGTHS = {
        248_956_422L, 242_193_529L, 198_295_559L, 190_214_555L, 181_538_259L, 170_805_979L, 159_345_973L,
        145_138_636L, 138_394_717L, 133_797_422L, 135_086_622L, 133_275_309L, 114_364_328L, 107_043_718L,
        101_991_189L, 90_338_345L, 83_257_441L, 80_373_285L, 58_617_616L, 64_444_167L, 46_709_983L, 50_818_468L
    };
}
