/// The kind of vehicle a pass is for. The raw value is what the pass carries (CBOR uint).
public enum VehicleClass: Int, Sendable, CaseIterable, Codable {
    case motorbike = 1
    case car = 2
    case van = 3
    case lightTruck = 4
    case heavyTruck = 5

    /// Identifier used on the command line and in files.
    public var slug: String {
        switch self {
        case .motorbike: "motorbike"
        case .car: "car"
        case .van: "van"
        case .lightTruck: "light-truck"
        case .heavyTruck: "heavy-truck"
        }
    }

    public var vietnameseName: String {
        switch self {
        case .motorbike: "Xe mô tô, xe máy"
        case .car: "Ô tô con"
        case .van: "Ô tô tải van"
        case .lightTruck: "Ô tô tải nhẹ"
        case .heavyTruck: "Ô tô tải nặng"
        }
    }

    public var englishName: String {
        switch self {
        case .motorbike: "Motorbike"
        case .car: "Car"
        case .van: "Van"
        case .lightTruck: "Light truck"
        case .heavyTruck: "Heavy truck"
        }
    }

    public init?(slug: String) {
        guard let match = Self.allCases.first(where: { $0.slug == slug.lowercased() }) else { return nil }
        self = match
    }
}

/// Why the vehicle may use the green lane. The raw value is what the pass carries (CBOR uint).
public enum Purpose: Int, Sendable, CaseIterable, Codable {
    /// Delivery of essential goods (food, medicine, medical supplies).
    case essentialGoods = 1
    /// Public postal service for Party and State agencies.
    case publicPostal = 2
    /// Emergency repair of telecommunication networks.
    case telecomRepair = 3

    public var slug: String {
        switch self {
        case .essentialGoods: "essential-goods"
        case .publicPostal: "public-postal"
        case .telecomRepair: "telecom-repair"
        }
    }

    public var vietnameseName: String {
        switch self {
        case .essentialGoods: "Vận chuyển hàng hóa thiết yếu"
        case .publicPostal: "Bưu chính công ích phục vụ cơ quan Đảng, Nhà nước"
        case .telecomRepair: "Ứng cứu sự cố viễn thông"
        }
    }

    public var englishName: String {
        switch self {
        case .essentialGoods: "Essential goods delivery"
        case .publicPostal: "Public postal service for state agencies"
        case .telecomRepair: "Telecom emergency repair"
        }
    }

    public init?(slug: String) {
        guard let match = Self.allCases.first(where: { $0.slug == slug.lowercased() }) else { return nil }
        self = match
    }
}
