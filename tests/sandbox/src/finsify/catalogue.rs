//! The service catalogue (`service.json`). Item fields exactly as providers.md §B lists them;
//! ids, names, colours and file names follow the 2024 capture of the real file, plus
//! Techcombank (8) and Vietcombank (10) [inference: absent from that capture].

use serde_json::{json, Value};

/// One service Finsify Hub can connect to.
pub(crate) struct Service {
    pub id: i64,
    pub name: &'static str,
    pub provider: &'static str,
    /// Prefix of the transactions' `original_id` (`techcombank-<hex>`). Not on the wire.
    pub slug: &'static str,
    pub cover: &'static str,
    pub logo: &'static str,
    pub primary: &'static str,
    pub secondary: &'static str,
    pub kind: &'static str,
    pub country: &'static str,
    pub has_balance: bool,
    /// `(prompt, text, url)`; `None` serialises as `null`.
    pub call_to_action: Option<(&'static str, &'static str, &'static str)>,
}

const MEDIA_PATH: &str = "https://assets.finsify.com/services/";
const EMPTY_CTA: Option<(&str, &str, &str)> = Some(("", "", ""));

macro_rules! service {
    ($id:expr, $name:expr, $provider:expr, $slug:expr, $cover:expr, $logo:expr,
     $primary:expr, $secondary:expr, $kind:expr, $country:expr, $balance:expr, $cta:expr) => {
        Service {
            id: $id,
            name: $name,
            provider: $provider,
            slug: $slug,
            cover: $cover,
            logo: $logo,
            primary: $primary,
            secondary: $secondary,
            kind: $kind,
            country: $country,
            has_balance: $balance,
            call_to_action: $cta,
        }
    };
}

#[rustfmt::skip]
pub(crate) const SERVICES: [Service; 24] = [
    service!(8, "Techcombank", "Finsify", "techcombank", "provider_8-cover.png", "provider_8-logo.png", "e4002b", "", "bank", "VN", true, EMPTY_CTA),
    service!(10, "Vietcombank", "Finsify", "vietcombank", "provider_10-cover.png", "provider_10-logo.png", "006b3f", "", "bank", "VN", true, EMPTY_CTA),
    service!(18, "MBBank", "Finsify", "mbbank", "provider_25-cover.png", "provider_25-logo.png", "0072b9", "", "bank", "VN", true, EMPTY_CTA),
    service!(14, "Vietinbank", "Finsify", "vietinbank", "provider_17-cover.png", "provider_17-logo.png", "da2128", "", "bank", "VN", true, EMPTY_CTA),
    service!(249, "Timo", "Finsify", "timo", "timo_vn-cover.jpg", "_TIMO_Timo.png", "6347ae", "", "bank", "VN", true, Some(("Chưa có tài khoản?", "Mở tài khoản ngay!", "https://timo.vn/mo-the-timo-mien-phi?ref=finsify"))),
    service!(264, "Timo Plus", "Finsify", "timoplus", "timo_plus-cover.jpg", "_TIMO_Timo.png", "6347ae", "", "bank", "VN", true, Some(("Chưa có tài khoản?", "Mở tài khoản ngay!", "https://timoplus.vn/tham-gia?ref=finsify"))),
    service!(29, "HDBank", "Finsify", "hdbank", "provider_30-cover.png", "HDBC_HDBank.png", "cc0000", "", "bank", "VN", true, None),
    service!(32, "SeABank", "Finsify", "seabank", "provider_40-cover.jpg", "provider_40-logo.png", "c4261c", "", "bank", "VN", true, None),
    service!(30, "SHB", "Finsify", "shb", "provider_38-cover.jpg", "provider_38-logo.png", "f88408", "", "bank", "VN", true, None),
    service!(33, "DongA Bank", "Finsify", "dongabank", "provider_41-cover.jpg", "provider_41-logo.png", "f7941f", "", "bank", "VN", true, EMPTY_CTA),
    service!(215, "DongA Bank Sao kê", "Finsify Statement", "dongabank", "provider_41-cover.jpg", "provider_41-logo.png", "f7941f", "", "statement", "VN", true, None),
    service!(27, "Maritime Bank", "Finsify", "msb", "provider_36-cover.png", "provider_36-logo.png", "e22428", "", "bank", "VN", true, None),
    service!(46, "Ngân hàng Quốc Dân", "Finsify", "ncb", "provider_37-cover.jpg", "provider_37-logo.png", "004E96", "", "bank", "VN", true, None),
    service!(92, "OceanBank", "Finsify", "oceanbank", "oceanbank-cover.png", "oceanbank-logo.png", "009DDC", "", "bank", "VN", true, Some(("Chưa có tài khoản?", "Đăng ký ngay!", "https://ib.oceanbank.vn/customer/register_vie.html"))),
    service!(4, "Tiki", "Finsify", "tiki", "provider_4-cover.png", "_TIKI_Tiki.png", "19b3e9", "", "other", "VN", false, EMPTY_CTA),
    service!(7, "Paypal", "Paypal", "paypal", "provider_9-cover.png", "PPAL_PayPal.png", "1972A4", "", "bank", "XO", true, EMPTY_CTA),
    service!(106, "Bank of China", "Finsify", "bankofchina", "bank-of-china-cover.png", "bank-of-china-logo.png", "AA0000", "FFFFFF", "bank", "HK", true, None),
    service!(111, "Citibank", "Finsify", "citibank", "citibank-cover.png", "CITI_CitiBank.png", "075a9a", "FFFFFF", "bank", "HK", true, None),
    service!(120, "Standard Chartered Bank", "Finsify", "standardchartered", "standard_chartered_bank-cover.png", "standard_chartered_bank-logo.png", "86c533", "FFFFFF", "bank", "HK", true, None),
    service!(252, "Bank Negara Indonesia", "Finsify", "bni", "id_bni-cover.jpg", "BNIN_BNI.png", "005F6B", "f15922", "bank", "ID", true, None),
    service!(256, "Permata Bank", "Finsify", "permata", "id_permata-cover.jpg", "id_permata-logo.png", "01a141", "96C11F", "bank", "ID", true, None),
    service!(67, "AmBank", "Finsify", "ambank", "ambank-cover.png", "ambank-logo.png", "ED1B24", "FEF200", "bank", "MY", true, None),
    service!(69, "RHB Banking Group", "Finsify", "rhb", "rhb-cover.png", "rhb-logo.png", "F8002A", "005AAC", "bank", "MY", true, None),
    service!(87, "Hong Leong Connect", "Finsify", "hongleong", "hongleong-cover.jpg", "HLBB_Hong_Leong.png", "002062", "005AAC", "bank", "MY", true, None),
];

pub(crate) fn find(id: i64) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.id == id)
}

fn item(service: &Service) -> Value {
    json!({
        "id": service.id,
        "name": service.name,
        "provider": service.provider,
        "media_path": MEDIA_PATH,
        "cover_file_name": service.cover,
        "logo_file_name": service.logo,
        "color": { "primary": service.primary, "secondary": service.secondary },
        "type": service.kind,
        "country_code": service.country,
        "has_balance": service.has_balance,
        "call_to_action": service.call_to_action.map(|(prompt, text, url)| {
            json!({ "prompt": prompt, "text": text, "url": url })
        }),
    })
}

/// The whole file, wrapped as the real one is: `{"status":true,"last_update":…,"data":[…]}`.
pub(crate) fn document(last_update: i64) -> Value {
    json!({
        "status": true,
        "last_update": last_update,
        "data": SERVICES.iter().map(item).collect::<Vec<_>>(),
    })
}
