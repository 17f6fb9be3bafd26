<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="vi">
<context>
    <name></name>
    <message>
        <source>Đặt mã PIN quản trị</source>
        <translation>Set the administrator PIN</translation>
    </message>
    <message>
        <source>Lần chạy đầu tiên: đặt mã PIN (ít nhất 6 chữ số hoặc chữ cái), nhập hai lần.</source>
        <translation>First run: choose a PIN (at least 6 digits or letters) and type it twice.</translation>
    </message>
    <message>
        <source>Quản trị</source>
        <translation>Administration</translation>
    </message>
    <message>
        <source>Nhập mã PIN quản trị.</source>
        <translation>Enter the administrator PIN.</translation>
    </message>
    <message>
        <source>Mã PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Nhập lại mã PIN</source>
        <translation>PIN again</translation>
    </message>
    <message>
        <source>Lưu mã PIN</source>
        <translation>Save the PIN</translation>
    </message>
    <message>
        <source>Đăng nhập</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>Quay lại quầy (Esc)</source>
        <translation>Back to the counter (Esc)</translation>
    </message>
    <message>
        <source>Quên mã PIN: người giữ bản sao khoá dữ liệu chạy lệnh «kiosk admin reset-pin» trên máy này, đưa bản sao đó vào (được ghi vào nhật ký).</source>
        <translation>Forgotten PIN: whoever holds the copy of the data key runs &quot;kiosk admin reset-pin&quot; on this PC with that copy (it is audited).</translation>
    </message>
    <message>
        <source>Hai mã PIN không giống nhau.</source>
        <translation>The two PINs differ.</translation>
    </message>
    <message>
        <source>Đang kiểm tra…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>Đăng nhập: {who}</source>
        <translation>Logged in: {who}</translation>
    </message>
    <message>
        <source>Phiên quản trị đã hết hạn: mời nhập lại mã PIN.</source>
        <translation>The administrator session has expired: enter the PIN again.</translation>
    </message>
    <message>
        <source>Công dân</source>
        <translation>Citizens</translation>
    </message>
    <message>
        <source>Lượt đến</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>Thời hạn lưu</source>
        <translation>Retention</translation>
    </message>
    <message>
        <source>Nhật ký</source>
        <translation>Audit log</translation>
    </message>
    <message>
        <source>Cài đặt</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Thống kê</source>
        <translation>Statistics</translation>
    </message>
    <message>
        <source>Thoát quản trị (Esc)</source>
        <translation>Leave administration (Esc)</translation>
    </message>
    <message>
        <source>Một số thay đổi có hiệu lực sau khi khởi động lại: {names}</source>
        <translation>Some changes take effect after a restart: {names}</translation>
    </message>
    <message>
        <source>Tên quầy</source>
        <translation>Counter name</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Chiều rộng ảnh camera (px)</source>
        <translation>Camera picture width (px)</translation>
    </message>
    <message>
        <source>Chiều cao ảnh camera (px)</source>
        <translation>Camera picture height (px)</translation>
    </message>
    <message>
        <source>Ngôn ngữ khi khởi động</source>
        <translation>Language at start-up</translation>
    </message>
    <message>
        <source>Cổng máy quét QR (serial)</source>
        <translation>QR scanner port (serial)</translation>
    </message>
    <message>
        <source>Đầu đọc chip CCCD</source>
        <translation>CCCD chip reader</translation>
    </message>
    <message>
        <source>Bộ nhận dạng khuôn mặt</source>
        <translation>Face engine</translation>
    </message>
    <message>
        <source>SFace: ngưỡng tự nhận (khoảng cách)</source>
        <translation>SFace: automatic match threshold (distance)</translation>
    </message>
    <message>
        <source>SFace: chênh lệch tối thiểu với người thứ hai</source>
        <translation>SFace: minimum margin to the runner-up</translation>
    </message>
    <message>
        <source>SFace: ngưỡng hỏi bàn phím (khoảng cách)</source>
        <translation>SFace: keypad candidate threshold (distance)</translation>
    </message>
    <message>
        <source>dlib: ngưỡng tự nhận (khoảng cách)</source>
        <translation>dlib: automatic match threshold (distance)</translation>
    </message>
    <message>
        <source>dlib: chênh lệch tối thiểu với người thứ hai</source>
        <translation>dlib: minimum margin to the runner-up</translation>
    </message>
    <message>
        <source>dlib: ngưỡng hỏi bàn phím (khoảng cách)</source>
        <translation>dlib: keypad candidate threshold (distance)</translation>
    </message>
    <message>
        <source>Số người tối đa khi hỏi bàn phím</source>
        <translation>Most candidates for the keypad</translation>
    </message>
    <message>
        <source>Công dân xác nhận bằng</source>
        <translation>Citizens confirm with</translation>
    </message>
    <message>
        <source>Số khung hình phải trùng khớp</source>
        <translation>Frames that must agree</translation>
    </message>
    <message>
        <source>Số ảnh đạt khi đăng ký</source>
        <translation>Good samples to enrol</translation>
    </message>
    <message>
        <source>Số ảnh học thêm từ lượt đến</source>
        <translation>Samples learnt from visits</translation>
    </message>
    <message>
        <source>Thời hạn lưu (ngày)</source>
        <translation>Retention (days)</translation>
    </message>
    <message>
        <source>Khuôn mặt nhỏ nhất (px)</source>
        <translation>Smallest face (px)</translation>
    </message>
    <message>
        <source>Độ nét tối thiểu</source>
        <translation>Minimum sharpness</translation>
    </message>
    <message>
        <source>Độ sáng tối thiểu</source>
        <translation>Minimum brightness</translation>
    </message>
    <message>
        <source>Độ sáng tối đa</source>
        <translation>Maximum brightness</translation>
    </message>
    <message>
        <source>Độ nghiêng đầu tối đa</source>
        <translation>Maximum head turn</translation>
    </message>
    <message>
        <source>Thu nhỏ ảnh trước khi tìm mặt (px)</source>
        <translation>Downscale before face detection (px)</translation>
    </message>
    <message>
        <source>Số lần phóng to khi tìm mặt</source>
        <translation>Detector upsampling</translation>
    </message>
    <message>
        <source>Bộ tìm khuôn mặt</source>
        <translation>Face detector</translation>
    </message>
    <message>
        <source>Chu kỳ đồng bộ với tỉnh (giây)</source>
        <translation>Registry sync interval (s)</translation>
    </message>
    <message>
        <source>Tự xoá khi vắng mặt (giây)</source>
        <translation>Clear when absent (s)</translation>
    </message>
    <message>
        <source>Tự xoá khi không thao tác (giây)</source>
        <translation>Clear when idle (s)</translation>
    </message>
    <message>
        <source>Thời gian chờ đánh giá hài lòng (giây)</source>
        <translation>Satisfaction question timeout (s)</translation>
    </message>
    <message>
        <source>Màn hình phía công dân (-1 = trên cửa sổ quầy)</source>
        <translation>Citizen-facing monitor (-1 = on the counter window)</translation>
    </message>
    <message>
        <source>các số cuối của số CCCD (4 hoặc 6)</source>
        <translation>the last ID digits (4 or 6)</translation>
    </message>
    <message>
        <source>năm sinh (hoặc 6 số cuối CCCD)</source>
        <translation>birth year (or the last 6 ID digits)</translation>
    </message>
    <message>
        <source>HOG (nhanh, chạy trên CPU)</source>
        <translation>HOG (fast, runs on the CPU)</translation>
    </message>
    <message>
        <source>CNN (cần GPU)</source>
        <translation>CNN (needs a GPU)</translation>
    </message>
    <message>
        <source>SFace (YuNet + SFace, mặc định)</source>
        <translation>SFace (YuNet + SFace, the default)</translation>
    </message>
    <message>
        <source>dlib (bản cũ, chậm hơn)</source>
        <translation>dlib (the older one, slower)</translation>
    </message>
    <message>
        <source>API cục bộ (docs/API.md): http://127.0.0.1:{port} · mã truy cập: {token}</source>
        <translation>Local API (docs/API.md): http://127.0.0.1:{port} · access token: {token}</translation>
    </message>
    <message>
        <source>API cục bộ: tắt (api_port = 0)</source>
        <translation>Local API: off (api_port = 0)</translation>
    </message>
    <message>
        <source>Đang hiển thị: {now}.</source>
        <translation>Shown now: {now}.</translation>
    </message>
    <message>
        <source>Tìm lại camera</source>
        <translation>Look for cameras again</translation>
    </message>
    <message>
        <source>Lưu cài đặt</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <source>Tệp cài đặt: {path}</source>
        <translation>Settings file: {path}</translation>
    </message>
    <message>
        <source>Mã PIN mới</source>
        <translation>New PIN</translation>
    </message>
    <message>
        <source>Nhập lại</source>
        <translation>Again</translation>
    </message>
    <message>
        <source>Đổi mã PIN</source>
        <translation>Change the PIN</translation>
    </message>
    <message>
        <source>{index}: (không thấy camera này)</source>
        <translation>{index}: (camera not found)</translation>
    </message>
    <message>
        <source>Đã lưu cài đặt vào {path}.</source>
        <translation>Settings saved to {path}.</translation>
    </message>
    <message>
        <source>Đã đổi mã PIN.</source>
        <translation>PIN changed.</translation>
    </message>
    <message>
        <source>khuôn mặt</source>
        <translation>face</translation>
    </message>
    <message>
        <source>khuôn mặt + bàn phím</source>
        <translation>face + keypad</translation>
    </message>
    <message>
        <source>đăng ký lần đầu</source>
        <translation>first visit (enrolled)</translation>
    </message>
    <message>
        <source>thẻ CCCD</source>
        <translation>CCCD card</translation>
    </message>
    <message>
        <source>Tìm theo họ tên (không cần dấu) hoặc số CCCD</source>
        <translation>Search by name (accents optional) or ID number</translation>
    </message>
    <message>
        <source>Tìm</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Lượt đến của công dân</source>
        <translation>Citizen&apos;s visits</translation>
    </message>
    <message>
        <source>Phiếu đồng ý</source>
        <translation>Consent receipt</translation>
    </message>
    <message>
        <source>Rút lại đồng ý…</source>
        <translation>Withdraw consent…</translation>
    </message>
    <message>
        <source>Xoá vĩnh viễn…</source>
        <translation>Delete for good…</translation>
    </message>
    <message>
        <source>{n} trên {total} công dân chưa có mẫu khuôn mặt {engine}: vẫn được nhận diện bằng bộ nhận dạng cũ và được bổ sung mẫu mới khi đến lần sau</source>
        <translation>Citizens without {engine} face templates yet: {n} of {total}. They are still recognised by the older engine and get new templates at their next visit</translation>
    </message>
    <message>
        <source>Họ và tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Số CCCD</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>Ngày sinh</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Đăng ký lúc</source>
        <translation>Enrolled</translation>
    </message>
    <message>
        <source>Mẫu</source>
        <translation>Samples</translation>
    </message>
    <message>
        <source>Lần đến gần nhất</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <source>Thời gian</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Quầy</source>
        <translation>Counter</translation>
    </message>
    <message>
        <source>Cách nhận diện</source>
        <translation>Recognised by</translation>
    </message>
    <message>
        <source>Khoảng cách</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>Xoá vĩnh viễn hồ sơ của {name} ({id})? Hồ sơ, mọi mẫu khuôn mặt, sự đồng ý và các lượt đến sẽ bị xoá, không thể khôi phục.</source>
        <translation>Delete {name} ({id}) for good? The record, every face sample, the consent and the visits are deleted and cannot be restored.</translation>
    </message>
    <message>
        <source>Rút lại đồng ý</source>
        <translation>Withdraw consent</translation>
    </message>
    <message>
        <source>Xoá vĩnh viễn</source>
        <translation>Delete for good</translation>
    </message>
    <message>
        <source>Đã xoá vĩnh viễn hồ sơ của {name}.</source>
        <translation>{name} was deleted for good.</translation>
    </message>
    <message>
        <source>Hồ sơ không có lượt đến trong {days} ngày sẽ bị xoá (kiosk tự chạy việc này khi khởi động và mỗi ngày).</source>
        <translation>Records with no visit for {days} days are deleted (the kiosk does this at start-up and daily).</translation>
    </message>
    <message>
        <source>Xem trước (không xoá)</source>
        <translation>Preview (deletes nothing)</translation>
    </message>
    <message>
        <source>Xoá các hồ sơ quá hạn…</source>
        <translation>Delete the expired records…</translation>
    </message>
    <message>
        <source>Hoạt động gần nhất</source>
        <translation>Last activity</translation>
    </message>
    <message>
        <source>Xoá hồ sơ quá hạn</source>
        <translation>Delete expired records</translation>
    </message>
    <message>
        <source>Xoá vĩnh viễn {n} hồ sơ quá thời hạn lưu?</source>
        <translation>Delete for good every record past the retention period ({n} in all)?</translation>
    </message>
    <message>
        <source>Đã xoá {n} hồ sơ quá hạn.</source>
        <translation>Expired records deleted: {n}.</translation>
    </message>
    <message>
        <source>Kiểm tra tính toàn vẹn</source>
        <translation>Verify integrity</translation>
    </message>
    <message>
        <source>Người thực hiện</source>
        <translation>Actor</translation>
    </message>
    <message>
        <source>Việc</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Đối tượng</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Chi tiết</source>
        <translation>Detail</translation>
    </message>
    <message>
        <source>Nhật ký nguyên vẹn ({n} mục).</source>
        <translation>The log is intact (entries: {n}).</translation>
    </message>
    <message>
        <source>Nhật ký đã bị sửa: {problems}</source>
        <translation>The log was altered: {problems}</translation>
    </message>
    <message>
        <source>Nhật ký đã bị sửa hoặc bị xoá bớt: {n} chỗ không khớp. Chi tiết: lệnh kiosk audit verify.</source>
        <translation>The log was edited or cut (problems found: {n}). Details: kiosk audit verify.</translation>
    </message>
    <message>
        <source>lượt đến</source>
        <translation>check-ins</translation>
    </message>
    <message>
        <source>lần đầu (đăng ký)</source>
        <translation>first visits (enrolled)</translation>
    </message>
    <message>
        <source>nhận ra bằng khuôn mặt</source>
        <translation>recognised by face</translation>
    </message>
    <message>
        <source>bằng thẻ CCCD</source>
        <translation>by CCCD card</translation>
    </message>
    <message>
        <source>hồ sơ đã xoá</source>
        <translation>records deleted</translation>
    </message>
    <message>
        <source>Lượt đến: mỗi lần một công dân được phục vụ tại quầy, gồm lần đầu (đăng ký) và các lần đến lại (khuôn mặt, khuôn mặt + bàn phím, thẻ); báo cáo và API đếm giống như vậy.</source>
        <translation>Visit: each time a citizen is served at the counter, the first one (enrolment) and every return (face, face + keypad, card); the report and the API count the same.</translation>
    </message>
    <message>
        <source>Tốc độ và mức độ hài lòng tại quầy này</source>
        <translation>Speed and satisfaction at this counter</translation>
    </message>
    <message>
        <source>Tự động bằng khuôn mặt</source>
        <translation>Automatically by face</translation>
    </message>
    <message>
        <source>Khuôn mặt + bàn phím</source>
        <translation>Face + keypad</translation>
    </message>
    <message>
        <source>Bằng thẻ CCCD</source>
        <translation>By CCCD card</translation>
    </message>
    <message>
        <source>Đăng ký lần đầu</source>
        <translation>First visit (enrolled)</translation>
    </message>
    <message>
        <source>Trung vị thời gian đến khi xác nhận</source>
        <translation>Median time to confirmation</translation>
    </message>
    <message>
        <source>Phân vị 90 thời gian đến khi xác nhận</source>
        <translation>90th percentile time to confirmation</translation>
    </message>
    <message>
        <source>Tỷ lệ hài lòng</source>
        <translation>Satisfaction rate</translation>
    </message>
    <message>
        <source>Số câu trả lời</source>
        <translation>Answers</translation>
    </message>
    <message>
        <source>Chỉ số</source>
        <translation>Figure</translation>
    </message>
    <message>
        <source>Hôm nay</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Tháng {m}</source>
        <translation>Month {m}</translation>
    </message>
    <message>
        <source>{counter}, ngày {day}</source>
        <translation>{counter}, {day}</translation>
    </message>
    <message>
        <source>Đồng ý lưu dữ liệu khuôn mặt</source>
        <translation>Consent to store face data</translation>
    </message>
    <message>
        <source>Công dân: {name}</source>
        <translation>Citizen: {name}</translation>
    </message>
    <message>
        <source>Thời hạn lưu: {days} ngày kể từ lần đến gần nhất · Phiên bản văn bản: {version}</source>
        <translation>Kept for {days} days after the last visit · Text version: {version}</translation>
    </message>
    <message>
        <source>Tôi đã đọc và đồng ý (phím cách)</source>
        <translation>I have read this and I agree (Space)</translation>
    </message>
    <message>
        <source>Đồng ý và chụp ảnh (Enter)</source>
        <translation>Agree and take photos (Enter)</translation>
    </message>
    <message>
        <source>Không đồng ý (Esc)</source>
        <translation>I do not agree (Esc)</translation>
    </message>
    <message>
        <source>Mời nhìn thẳng vào camera</source>
        <translation>Please look straight at the camera</translation>
    </message>
    <message>
        <source>Cập nhật ảnh khuôn mặt</source>
        <translation>Update face samples</translation>
    </message>
    <message>
        <source>Chụp ảnh khuôn mặt</source>
        <translation>Face capture</translation>
    </message>
    <message>
        <source>Ảnh đạt: {done} / {need}</source>
        <translation>Good samples: {done} / {need}</translation>
    </message>
    <message>
        <source>Huỷ (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Đã thấy mã QR: đưa thẻ lại gần hơn</source>
        <translation>QR code seen: bring the card closer</translation>
    </message>
    <message>
        <source>Đã thấy mã QR: nghiêng thẻ để tránh lóa</source>
        <translation>QR code seen: tilt the card to avoid the glare</translation>
    </message>
    <message>
        <source>Đã thấy mã QR: giữ yên thẻ</source>
        <translation>QR code seen: hold the card still</translation>
    </message>
    <message>
        <source>Đã sao chép hồ sơ: dán vào phần mềm một cửa</source>
        <translation>Record copied: paste it into the one-stop-shop software</translation>
    </message>
    <message>
        <source>Mời nhìn vào camera</source>
        <translation>Please look at the camera</translation>
    </message>
    <message>
        <source>Đã ghi nhận lượt đến của công dân này</source>
        <translation>This citizen&apos;s visit is logged</translation>
    </message>
    <message>
        <source>Chưa nhận ra khuôn mặt: quét thẻ CCCD (F3)</source>
        <translation>Face not recognised: scan the CCCD card (F3)</translation>
    </message>
    <message>
        <source>Hôm nay: {n} lượt đến (lần đầu {e} · khuôn mặt {f} · bàn phím {k} · thẻ {c})</source>
        <translation>Today: {n} visits (first {e} · face {f} · keypad {k} · card {c})</translation>
    </message>
    <message>
        <source>Mời đưa mã QR trên thẻ CCCD vào camera</source>
        <translation>Please hold the CCCD card&apos;s QR code to the camera</translation>
    </message>
    <message>
        <source>Đã nhận ra công dân</source>
        <translation>Citizen recognised</translation>
    </message>
    <message>
        <source>Mời nhập số xác nhận trên bàn phím</source>
        <translation>Please type the confirmation digits on the keypad</translation>
    </message>
    <message>
        <source>Đã đọc thẻ CCCD</source>
        <translation>CCCD card read</translation>
    </message>
    <message>
        <source>Mã QR này không phải của thẻ CCCD.</source>
        <translation>This QR code is not from a CCCD card.</translation>
    </message>
    <message>
        <source>Đang nhận diện…</source>
        <translation>Recognising…</translation>
    </message>
    <message>
        <source>Màn hình đã tự xoá: công dân đã rời khỏi camera.</source>
        <translation>Screen cleared: the citizen left the camera.</translation>
    </message>
    <message>
        <source>Màn hình đã tự xoá sau một thời gian không thao tác.</source>
        <translation>Screen cleared after a while without use.</translation>
    </message>
    <message>
        <source>Màn hình đã tự xoá: có người khác trước camera.</source>
        <translation>Screen cleared: someone else is in front of the camera.</translation>
    </message>
    <message>
        <source>Mời đọc và đồng ý</source>
        <translation>Please read and agree</translation>
    </message>
    <message>
        <source>Đã ghi nhận lượt đến: {name}</source>
        <translation>Visit logged: {name}</translation>
    </message>
    <message>
        <source>Công dân không đồng ý: không lưu khuôn mặt. Tiếp tục làm thủ tục bằng thẻ.</source>
        <translation>The citizen did not agree: no face stored. Continue with the card.</translation>
    </message>
    <message>
        <source>Demo — cảnh {i}/{n}: {title}</source>
        <translation>Demo — scene {i}/{n}: {title}</translation>
    </message>
    <message>
        <source>◀ Cảnh trước (PgUp)</source>
        <translation>◀ Previous scene (PgUp)</translation>
    </message>
    <message>
        <source>Cảnh tiếp (PgDn) ▶</source>
        <translation>Next scene (PgDn) ▶</translation>
    </message>
    <message>
        <source>Thoát (Ctrl+Q / F10)</source>
        <translation>Quit (Ctrl+Q / F10)</translation>
    </message>
    <message>
        <source>Tốt, giữ yên…</source>
        <translation>Good, hold still…</translation>
    </message>
    <message>
        <source>Đã chụp {n} / {need}</source>
        <translation>Captured {n} / {need}</translation>
    </message>
    <message>
        <source>Đang lưu…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Đã lưu</source>
        <translation>Saved</translation>
    </message>
    <message>
        <source>Đã đăng ký: {name}</source>
        <translation>Enrolled: {name}</translation>
    </message>
    <message>
        <source>Lưu lại</source>
        <translation>Save again</translation>
    </message>
    <message>
        <source>Không có hình từ camera.</source>
        <translation>No picture from the camera.</translation>
    </message>
    <message>
        <source>Bộ nhận diện khuôn mặt đang khởi động lại.</source>
        <translation>The face recogniser is restarting.</translation>
    </message>
    <message>
        <source>Lỗi cơ sở dữ liệu: chưa lưu được gì, dữ liệu đã có vẫn còn nguyên.</source>
        <translation>Database error: nothing was saved, existing data is intact.</translation>
    </message>
    <message>
        <source>Khoá dữ liệu không đúng: không mở được cơ sở dữ liệu.</source>
        <translation>Wrong data key: the database cannot be opened.</translation>
    </message>
    <message>
        <source>Mã QR không phải của thẻ CCCD.</source>
        <translation>The QR code is not from a CCCD card.</translation>
    </message>
    <message>
        <source>Máy quét làm hỏng chữ tiếng Việt: mời đưa mã QR trên thẻ vào camera.</source>
        <translation>The scanner garbled the Vietnamese letters: please hold the card&apos;s QR code to the camera.</translation>
    </message>
    <message>
        <source>Chưa đọc được mã QR.</source>
        <translation>No QR code read yet.</translation>
    </message>
    <message>
        <source>Mã PIN không đúng.</source>
        <translation>Wrong PIN.</translation>
    </message>
    <message>
        <source>Còn {left} lần thử trước khi bị tạm khoá.</source>
        <translation>{left} tries left before a lock-out.</translation>
    </message>
    <message>
        <source>Còn 1 lần thử trước khi bị tạm khoá.</source>
        <translation>1 try left before a lock-out.</translation>
    </message>
    <message>
        <source>Đã nhập sai mã PIN quá nhiều lần: tạm khoá.</source>
        <translation>Too many wrong PINs: locked for a while.</translation>
    </message>
    <message>
        <source>Mời chờ {minutes} phút rồi thử lại.</source>
        <translation>Please wait {minutes} minutes, then try again.</translation>
    </message>
    <message>
        <source>Mời chờ 1 phút rồi thử lại.</source>
        <translation>Please wait 1 minute, then try again.</translation>
    </message>
    <message>
        <source>Mã PIN quá ngắn.</source>
        <translation>The PIN is too short.</translation>
    </message>
    <message>
        <source>Mã PIN cần ít nhất {min} chữ số hoặc chữ cái.</source>
        <translation>A PIN needs at least {min} digits or letters.</translation>
    </message>
    <message>
        <source>Mã PIN chỉ gồm chữ cái và chữ số.</source>
        <translation>The PIN may hold only letters and digits.</translation>
    </message>
    <message>
        <source>Bỏ dấu cách và các ký hiệu khác.</source>
        <translation>Leave out spaces and other signs.</translation>
    </message>
    <message>
        <source>Mã PIN quản trị đã được đặt.</source>
        <translation>The administrator PIN is already set.</translation>
    </message>
    <message>
        <source>Đăng nhập bằng mã PIN hiện có; có thể đổi mã trong thẻ Cài đặt.</source>
        <translation>Log in with the current PIN; you can change it on the Settings tab.</translation>
    </message>
    <message>
        <source>Chưa đặt mã PIN quản trị.</source>
        <translation>No administrator PIN has been set.</translation>
    </message>
    <message>
        <source>Mở phần Quản trị (F12) để đặt mã PIN lần đầu.</source>
        <translation>Open Administration (F12) to set the first PIN.</translation>
    </message>
    <message>
        <source>Phiên quản trị đã hết hạn.</source>
        <translation>The administrator session has expired.</translation>
    </message>
    <message>
        <source>Mời nhập lại mã PIN.</source>
        <translation>Please enter the PIN again.</translation>
    </message>
    <message>
        <source>Tệp cơ sở dữ liệu bị hỏng hoặc không phải của kiosk.</source>
        <translation>The database file is damaged or is not a kiosk database.</translation>
    </message>
    <message>
        <source>Tệp: {path}. Khôi phục tệp từ bản sao lưu, hoặc dùng tệp khác.</source>
        <translation>File: {path}. Restore it from a backup, or use another file.</translation>
    </message>
    <message>
        <source>Cơ sở dữ liệu đang bị một chương trình khác sử dụng.</source>
        <translation>Another program is using the database.</translation>
    </message>
    <message>
        <source>Đóng kiosk hoặc công cụ khác đang mở tệp {path} rồi thử lại; chưa lưu gì.</source>
        <translation>Close the other kiosk or tool that has {path} open, then try again; nothing was saved.</translation>
    </message>
    <message>
        <source>Không ghi được vào cơ sở dữ liệu (chỉ đọc).</source>
        <translation>The database cannot be written (read-only).</translation>
    </message>
    <message>
        <source>Cấp quyền ghi cho tệp {path} và thư mục của nó; chưa lưu gì.</source>
        <translation>Make {path} and its folder writable; nothing was saved.</translation>
    </message>
    <message>
        <source>Không mở được cơ sở dữ liệu.</source>
        <translation>The database cannot be opened.</translation>
    </message>
    <message>
        <source>Kiểm tra đường dẫn {path} và quyền của thư mục.</source>
        <translation>Check the path {path} and the folder&apos;s permissions.</translation>
    </message>
    <message>
        <source>Không tìm thấy cơ sở dữ liệu.</source>
        <translation>The database was not found.</translation>
    </message>
    <message>
        <source>Không có tệp {path}: kiểm tra đường dẫn trong cài đặt.</source>
        <translation>There is no file {path}: check the path in the settings.</translation>
    </message>
    <message>
        <source>Không tạo được thư mục cho cơ sở dữ liệu.</source>
        <translation>The database folder cannot be created.</translation>
    </message>
    <message>
        <source>Chọn nơi khác cho tệp {path}.</source>
        <translation>Choose another place for {path}.</translation>
    </message>
    <message>
        <source>Cơ sở dữ liệu được ghi bởi phiên bản kiosk mới hơn.</source>
        <translation>The database was written by a newer kiosk release.</translation>
    </message>
    <message>
        <source>Cập nhật phần mềm kiosk để mở tệp {path}.</source>
        <translation>Update the kiosk software to open {path}.</translation>
    </message>
    <message>
        <source>Ổ đĩa đã đầy.</source>
        <translation>The disk is full.</translation>
    </message>
    <message>
        <source>Giải phóng dung lượng cho tệp {path}; chưa lưu gì.</source>
        <translation>Free some space for {path}; nothing was saved.</translation>
    </message>
    <message>
        <source>Dùng tệp khoá đã dùng khi ghi tệp {path}.</source>
        <translation>Use the key file that {path} was written with.</translation>
    </message>
    <message>
        <source>Thiếu tệp khoá dữ liệu.</source>
        <translation>The data key file is missing.</translation>
    </message>
    <message>
        <source>Khôi phục tệp khoá {path} từ bản sao lưu: không có nó thì không đọc được cơ sở dữ liệu.</source>
        <translation>Restore the key file {path} from your backup: the database cannot be read without it.</translation>
    </message>
    <message>
        <source>Không đọc được tệp khoá dữ liệu.</source>
        <translation>The data key file cannot be read.</translation>
    </message>
    <message>
        <source>Kiểm tra quyền đọc của tệp {path}.</source>
        <translation>Check that {path} can be read.</translation>
    </message>
    <message>
        <source>Khoá dữ liệu nằm trong kho khoá của hệ điều hành nhưng không đọc được.</source>
        <translation>The data key is in the system keystore but cannot be read.</translation>
    </message>
    <message>
        <source>Đăng nhập đúng tài khoản của quầy; nếu vẫn lỗi, tham gia lại bằng gói của tỉnh (kiosk join).</source>
        <translation>Log in with this counter&apos;s own account; if it still fails, join again with the province&apos;s bundle (kiosk join).</translation>
    </message>
    <message>
        <source>Kiểm tra {camera} và dây USB; kiosk tự thử lại.</source>
        <translation>Check {camera} and its USB cable; the kiosk retries by itself.</translation>
    </message>
    <message>
        <source>Máy này chưa sẵn sàng đọc chip CCCD.</source>
        <translation>This PC cannot read CCCD chips yet.</translation>
    </message>
    <message>
        <source>Cài phần đọc chip (PC/SC) hoặc bật dịch vụ Smart Card; quản trị viên có thể tắt đọc chip.</source>
        <translation>Install the chip reader support (PC/SC) or start the Smart Card service; an administrator can turn chip reading off.</translation>
    </message>
    <message>
        <source>Không thấy đầu đọc chip CCCD.</source>
        <translation>No CCCD chip reader found.</translation>
    </message>
    <message>
        <source>Cắm lại đầu đọc USB rồi bấm Lưu lại.</source>
        <translation>Plug the USB reader in again, then press Save again.</translation>
    </message>
    <message>
        <source>Chưa có thẻ CCCD trên đầu đọc chip.</source>
        <translation>No CCCD card on the chip reader.</translation>
    </message>
    <message>
        <source>Đặt thẻ nằm yên trên đầu đọc rồi bấm Lưu lại.</source>
        <translation>Lay the card still on the reader, then press Save again.</translation>
    </message>
    <message>
        <source>Thẻ bị nhấc ra khi đang đọc chip.</source>
        <translation>The card was lifted while its chip was being read.</translation>
    </message>
    <message>
        <source>Đọc chip CCCD không thành công.</source>
        <translation>The CCCD chip could not be read.</translation>
    </message>
    <message>
        <source>Không đăng ký: chip từ chối mã QR này, thẻ trên đầu đọc không phải thẻ vừa quét.</source>
        <translation>Not enrolled: the chip refused this QR; the card on the reader is not the card just scanned.</translation>
    </message>
    <message>
        <source>Quét mã QR và đặt lên đầu đọc cùng một thẻ của chính công dân.</source>
        <translation>Scan the QR of, and lay on the reader, the same card: the citizen&apos;s own.</translation>
    </message>
    <message>
        <source>Thẻ trên đầu đọc không phải thẻ CCCD có chip.</source>
        <translation>The card on the reader is not a chip CCCD.</translation>
    </message>
    <message>
        <source>Đặt thẻ CCCD của công dân lên đầu đọc.</source>
        <translation>Lay the citizen&apos;s CCCD on the reader.</translation>
    </message>
    <message>
        <source>Không đăng ký: thông tin trong chip khác với mã QR (mã QR sao chép hoặc giả?).</source>
        <translation>Not enrolled: the chip&apos;s data differ from the QR&apos;s (a copied or forged QR?).</translation>
    </message>
    <message>
        <source>Chưa lưu gì. Mời công dân đưa thẻ CCCD của chính mình.</source>
        <translation>Nothing was stored. Ask the citizen for their own CCCD.</translation>
    </message>
    <message>
        <source>Không đăng ký: người trước camera không phải chủ thẻ CCCD này.</source>
        <translation>Not enrolled: the person at the camera is not this CCCD&apos;s holder.</translation>
    </message>
    <message>
        <source>Chưa lưu gì. Khuôn mặt khác ảnh trong chip; mời đưa thẻ của chính công dân hoặc gọi cán bộ phụ trách.</source>
        <translation>Nothing was stored. The face differs from the chip&apos;s photo: ask for the citizen&apos;s own card, or call the supervisor.</translation>
    </message>
    <message>
        <source>Không đăng ký: dữ liệu trong chip đã bị sửa đổi.</source>
        <translation>Not enrolled: the chip&apos;s data were altered.</translation>
    </message>
    <message>
        <source>Chưa lưu gì. Không dùng thẻ này; báo cơ quan công an.</source>
        <translation>Nothing was stored. Do not accept this card; report it to the police.</translation>
    </message>
    <message>
        <source>Không đăng ký: chữ ký số của chip không hợp lệ.</source>
        <translation>Not enrolled: the chip&apos;s digital signature is invalid.</translation>
    </message>
    <message>
        <source>Không đăng ký: chip không do cơ quan cấp thẻ đã cấu hình ký.</source>
        <translation>Not enrolled: the chip was not signed by the configured issuing authority.</translation>
    </message>
    <message>
        <source>Chưa lưu gì. Quản trị viên kiểm tra tệp CSCA; nếu tệp đúng, không dùng thẻ này.</source>
        <translation>Nothing was stored. An administrator checks the CSCA file; if it is right, do not accept this card.</translation>
    </message>
    <message>
        <source>Không đọc được tệp CSCA.</source>
        <translation>The CSCA file cannot be read.</translation>
    </message>
    <message>
        <source>Quản trị viên sửa cài đặt chip_csca.</source>
        <translation>An administrator fixes the chip_csca setting.</translation>
    </message>
    <message>
        <source>Dữ liệu bảo mật của chip không đọc được.</source>
        <translation>The chip&apos;s security data cannot be read.</translation>
    </message>
    <message>
        <source>Đặt lại thẻ rồi bấm Lưu lại.</source>
        <translation>Lay the card on the reader again, then press Save again.</translation>
    </message>
    <message>
        <source>Ảnh trong chip không có khuôn mặt để so sánh.</source>
        <translation>The chip&apos;s photo has no face to compare with.</translation>
    </message>
    <message>
        <source>Chưa lưu gì. Cán bộ đối chiếu ảnh in trên thẻ rồi đăng ký lại.</source>
        <translation>Nothing was stored. The clerk compares the printed photo, then enrols again.</translation>
    </message>
    <message>
        <source>Kiểm tra dây USB của camera; kiosk tự thử lại.</source>
        <translation>Check the camera&apos;s USB cable; the kiosk retries by itself.</translation>
    </message>
    <message>
        <source>Chờ vài giây rồi thử lại.</source>
        <translation>Wait a few seconds, then try again.</translation>
    </message>
    <message>
        <source>Thử lại; nếu vẫn lỗi, báo cho quản trị viên.</source>
        <translation>Try again; if it keeps failing, tell the administrator.</translation>
    </message>
    <message>
        <source>Dùng đúng tệp khoá dữ liệu của cơ sở dữ liệu này.</source>
        <translation>Use this database&apos;s own data key file.</translation>
    </message>
    <message>
        <source>Mời đưa mã QR ở mặt trước thẻ CCCD.</source>
        <translation>Please show the QR code on the front of the CCCD card.</translation>
    </message>
    <message>
        <source>Camera đọc được đúng chữ tiếng Việt trên thẻ.</source>
        <translation>The camera reads the Vietnamese letters on the card correctly.</translation>
    </message>
    <message>
        <source>Giữ mã QR phẳng, gần camera và đủ sáng.</source>
        <translation>Hold the QR code flat, close to the camera, in good light.</translation>
    </message>
    <message>
        <source>Mời thử lại.</source>
        <translation>Please try again.</translation>
    </message>
    <message>
        <source>Mời chờ rồi thử lại.</source>
        <translation>Please wait, then try again.</translation>
    </message>
    <message>
        <source>Giá trị cài đặt không hợp lệ.</source>
        <translation>Invalid setting.</translation>
    </message>
    <message>
        <source>Kiểm tra lại các giá trị vừa nhập.</source>
        <translation>Check the values just entered.</translation>
    </message>
    <message>
        <source>Công dân chưa có hồ sơ.</source>
        <translation>The citizen is not enrolled.</translation>
    </message>
    <message>
        <source>Kiểm tra lại số CCCD.</source>
        <translation>Check the ID number.</translation>
    </message>
    <message>
        <source>Công dân đã có hồ sơ.</source>
        <translation>The citizen is already enrolled.</translation>
    </message>
    <message>
        <source>Không cần đăng ký lại; có thể cập nhật ảnh khuôn mặt (F5).</source>
        <translation>No need to enrol again; the face photos can be updated (F5).</translation>
    </message>
    <message>
        <source>Cần sự đồng ý của công dân trước khi lưu khuôn mặt.</source>
        <translation>The citizen&apos;s consent is needed before a face is stored.</translation>
    </message>
    <message>
        <source>Mời công dân đọc nội dung và đánh dấu đồng ý.</source>
        <translation>Ask the citizen to read the text and tick the consent box.</translation>
    </message>
    <message>
        <source>Chưa đủ ảnh khuôn mặt đạt chất lượng.</source>
        <translation>Not enough good face samples.</translation>
    </message>
    <message>
        <source>Mời công dân nhìn thẳng vào camera để chụp thêm.</source>
        <translation>Ask the citizen to look straight at the camera for more photos.</translation>
    </message>
    <message>
        <source>Các ảnh chụp không giống cùng một người: mời chụp lại.</source>
        <translation>The samples do not look like one person: capture again.</translation>
    </message>
    <message>
        <source>Chỉ một người đứng trước camera khi chụp.</source>
        <translation>Only one person in front of the camera while photographing.</translation>
    </message>
    <message>
        <source>Khuôn mặt này đã được đăng ký cho một hồ sơ khác: cần quản trị viên kiểm tra.</source>
        <translation>This face is already enrolled under another record: an administrator must check.</translation>
    </message>
    <message>
        <source>Quản trị viên so sánh hai hồ sơ trước khi đăng ký.</source>
        <translation>An administrator compares the two records before enrolling.</translation>
    </message>
    <message>
        <source>Không đọc được ảnh.</source>
        <translation>The image cannot be read.</translation>
    </message>
    <message>
        <source>Kiểm tra tệp ảnh.</source>
        <translation>Check the image file.</translation>
    </message>
    <message>
        <source>Đặt thẻ nằm yên trên đầu đọc rồi thử lại.</source>
        <translation>Lay the card still on the reader and try again.</translation>
    </message>
    <message>
        <source>Không kết nối được cơ sở dữ liệu của tỉnh.</source>
        <translation>The province registry cannot be reached.</translation>
    </message>
    <message>
        <source>Kiosk vẫn làm việc bình thường và sẽ đồng bộ lại sau.</source>
        <translation>The kiosk keeps working and will sync again later.</translation>
    </message>
    <message>
        <source>Đã xảy ra lỗi.</source>
        <translation>Something went wrong.</translation>
    </message>
    <message>
        <source>Xác nhận danh tính</source>
        <translation>Confirm your identity</translation>
    </message>
    <message>
        <source>Mời ông/bà nhập {n} số cuối của số CCCD</source>
        <translation>Please enter the last {n} digits of your ID number</translation>
    </message>
    <message>
        <source>Mời ông/bà nhập năm sinh (4 chữ số)</source>
        <translation>Please type your year of birth (4 digits)</translation>
    </message>
    <message>
        <source>Chưa đúng. Mời nhập lại (còn {n} lần).</source>
        <translation>Not right. Please try again (tries left: {n}).</translation>
    </message>
    <message>
        <source>Dùng thẻ CCCD thay thế (Esc)</source>
        <translation>Use the CCCD card instead (Esc)</translation>
    </message>
    <message>
        <source>Xin mời nhìn vào camera</source>
        <translation>Please look at the camera</translation>
    </message>
    <message>
        <source>Hồ sơ sẽ tự hiện khi nhận ra khuôn mặt. Lần đầu đến quầy: đưa mã QR trên thẻ CCCD vào trước camera.</source>
        <translation>The record appears by itself when the face is recognised. First visit: hold the CCCD card&apos;s QR code to the camera.</translation>
    </message>
    <message>
        <source>Quét thẻ CCCD (F3)</source>
        <translation>Scan the CCCD card (F3)</translation>
    </message>
    <message>
        <source>Phím tắt: Enter xác nhận · Esc huỷ · F3 quét thẻ · F8 xong · F12 quản trị</source>
        <translation>Keys: Enter confirm · Esc cancel · F3 scan card · F8 done · F12 administration</translation>
    </message>
    <message>
        <source>Xong: mời công dân đánh giá (F8)</source>
        <translation>Done: ask the citizen to rate (F8)</translation>
    </message>
    <message>
        <source>Đang giải quyết lượt số {n}</source>
        <translation>Serving visit number {n}</translation>
    </message>
    <message>
        <source>khoảng cách {d}</source>
        <translation>distance {d}</translation>
    </message>
    <message>
        <source>Khớp sau khi công dân nhập đúng số xác nhận</source>
        <translation>Matched after the citizen typed the right digits</translation>
    </message>
    <message>
        <source>Rất giống</source>
        <translation>Very close</translation>
    </message>
    <message>
        <source>Giống</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Thông tin từ hồ sơ đã đăng ký</source>
        <translation>Details from the enrolled record</translation>
    </message>
    <message>
        <source>Mức độ khớp: {q}</source>
        <translation>Match quality: {q}</translation>
    </message>
    <message>
        <source>Cán bộ kiểm tra thông tin rồi nhấn Enter để ghi nhận lượt đến.</source>
        <translation>Check the details, then press Enter to log the visit.</translation>
    </message>
    <message>
        <source>Xác nhận (Enter)</source>
        <translation>Confirm (Enter)</translation>
    </message>
    <message>
        <source>Không phải tôi (Esc)</source>
        <translation>Not me (Esc)</translation>
    </message>
    <message>
        <source>Đã có hồ sơ</source>
        <translation>Already enrolled</translation>
    </message>
    <message>
        <source>Lần đầu đến quầy</source>
        <translation>First visit</translation>
    </message>
    <message>
        <source>Thông tin đọc từ thẻ CCCD</source>
        <translation>Details read from the CCCD card</translation>
    </message>
    <message>
        <source>Cần kiểm tra với thẻ:</source>
        <translation>Check against the card:</translation>
    </message>
    <message>
        <source>Khuôn mặt không còn khớp rõ với ảnh đã lưu: nên cập nhật ảnh khuôn mặt (F5).</source>
        <translation>The face no longer matches the stored samples well: update them (F5).</translation>
    </message>
    <message>
        <source>Nhấn Enter để ghi nhận lượt đến bằng thẻ.</source>
        <translation>Press Enter to log the visit by card.</translation>
    </message>
    <message>
        <source>Ghi nhận lượt đến (Enter)</source>
        <translation>Log the visit (Enter)</translation>
    </message>
    <message>
        <source>Cập nhật ảnh khuôn mặt (F5)</source>
        <translation>Update face samples (F5)</translation>
    </message>
    <message>
        <source>Công dân chưa đăng ký nhận diện khuôn mặt. Nhấn Enter để đọc nội dung đồng ý.</source>
        <translation>The citizen is not enrolled for face recognition. Press Enter to read the consent.</translation>
    </message>
    <message>
        <source>Đăng ký (Enter)</source>
        <translation>Enrol (Enter)</translation>
    </message>
    <message>
        <source>Sửa trường bị lỗi mã hoá (F6)</source>
        <translation>Correct the mis-encoded field (F6)</translation>
    </message>
    <message>
        <source>Sao chép</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Sao chép hồ sơ (cách nhau bằng Tab); giữ Shift hoặc Ctrl: dạng JSON</source>
        <translation>Copy the record (tab-separated); hold Shift or Ctrl: as JSON</translation>
    </message>
    <message>
        <source>Chip CCCD: đã xác thực chữ ký số tới cơ quan cấp thẻ; hồ sơ lấy theo chip.</source>
        <translation>CCCD chip: its signature verified up to the issuing authority; the record is the chip&apos;s.</translation>
    </message>
    <message>
        <source>Chip CCCD: chữ ký số hợp lệ nhưng chưa đối chiếu được với cơ quan cấp thẻ (chưa có tệp CSCA); hồ sơ lấy theo mã QR.</source>
        <translation>CCCD chip: its signature is valid but could not be traced to the issuing authority (no CSCA file); the record is the QR&apos;s.</translation>
    </message>
    <message>
        <source>Đã đăng ký</source>
        <translation>Enrolled</translation>
    </message>
    <message>
        <source>Đã lưu hồ sơ và {n} mẫu khuôn mặt của {name}. Lần sau chỉ cần nhìn vào camera.

Lượt đến này đã được ghi nhận (lần đầu). Giải quyết thủ tục, rồi nhấn «Xong» (F8).</source>
        <translation>Saved the record and {n} face samples of {name}. Next time, a look at the camera is enough.

This visit is logged (the first). Handle the procedure, then press &quot;Done&quot; (F8).</translation>
    </message>
    <message>
        <source>Tiếp tục (Enter)</source>
        <translation>Continue (Enter)</translation>
    </message>
    <message>
        <source>Xem / in phiếu đồng ý (P)</source>
        <translation>View / print the consent receipt (P)</translation>
    </message>
    <message>
        <source>Đã cập nhật ảnh khuôn mặt</source>
        <translation>Face samples updated</translation>
    </message>
    <message>
        <source>Đã thêm {n} mẫu khuôn mặt mới cho {name}.</source>
        <translation>Added {n} new face samples for {name}.</translation>
    </message>
    <message>
        <source>Đóng (Enter)</source>
        <translation>Close (Enter)</translation>
    </message>
    <message>
        <source>Chưa nhận ra khuôn mặt.</source>
        <translation>The face was not recognised.</translation>
    </message>
    <message>
        <source>Công dân cho biết không phải mình.</source>
        <translation>The citizen says it is not them.</translation>
    </message>
    <message>
        <source>Số xác nhận chưa đúng.</source>
        <translation>The digits did not fit.</translation>
    </message>
    <message>
        <source>Máy quét không đọc đúng chữ tiếng Việt.</source>
        <translation>The scanner did not read the Vietnamese letters correctly.</translation>
    </message>
    <message>
        <source>Mời đưa thẻ CCCD</source>
        <translation>Please show the CCCD card</translation>
    </message>
    <message>
        <source>Đưa mã QR ở mặt trước thẻ CCCD vào trước camera, giữ yên và đủ sáng. Có thể dùng máy quét mã QR.</source>
        <translation>Hold the QR code on the front of the CCCD card to the camera, still and well lit. A QR scanner works too.</translation>
    </message>
    <message>
        <source>Phiếu đồng ý — {name}</source>
        <translation>Consent receipt — {name}</translation>
    </message>
    <message>
        <source>In…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>Lưu thành tệp…</source>
        <translation>Save as file…</translation>
    </message>
    <message>
        <source>Thư mục:</source>
        <translation>Look in:</translation>
    </message>
    <message>
        <source>Tên tệp:</source>
        <translation>File name:</translation>
    </message>
    <message>
        <source>Loại tệp:</source>
        <translation>Files of type:</translation>
    </message>
    <message>
        <source>Lưu</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Sửa thông tin đọc từ thẻ</source>
        <translation>Correct what was read from the card</translation>
    </message>
    <message>
        <source>Gõ lại trường bị lỗi mã hoá đúng như in trên thẻ. Số định danh không sửa được.</source>
        <translation>Type the mis-encoded field exactly as printed on the card. The ID number cannot be changed.</translation>
    </message>
    <message>
        <source>Lưu sửa đổi</source>
        <translation>Save the correction</translation>
    </message>
    <message>
        <source>Huỷ</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Đóng</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Lưu phiếu đồng ý</source>
        <translation>Save the consent receipt</translation>
    </message>
    <message>
        <source>Số định danh (CCCD)</source>
        <translation>ID number (CCCD)</translation>
    </message>
    <message>
        <source>Số CMND cũ</source>
        <translation>Old ID number</translation>
    </message>
    <message>
        <source>Giới tính</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>Nơi thường trú</source>
        <translation>Residence</translation>
    </message>
    <message>
        <source>Ngày cấp</source>
        <translation>Issue date</translation>
    </message>
    <message>
        <source>Nam</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Nữ</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Có</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>Không</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Đang mở camera…</source>
        <translation>Opening the camera…</translation>
    </message>
    <message>
        <source>Camera: {name}</source>
        <translation>Camera: {name}</translation>
    </message>
    <message>
        <source>Không có hình từ camera.
Đang thử lại…</source>
        <translation>No picture from the camera.
Trying again…</translation>
    </message>
    <message>
        <source>Camera: lỗi</source>
        <translation>Camera: error</translation>
    </message>
    <message>
        <source>Thử lại (F9)</source>
        <translation>Retry (F9)</translation>
    </message>
    <message>
        <source>Hình: {fps:.0f} khung/giây · Nhận diện: {ms:.0f} ms/khung</source>
        <translation>Preview: {fps:.0f} fps · Recognition: {ms:.0f} ms/frame</translation>
    </message>
    <message>
        <source>Đã lưu cài đặt.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <source>Không tìm thấy tệp bản dịch tiếng Anh.</source>
        <translation>The English translation file was not found.</translation>
    </message>
    <message>
        <source>Tiếp nhận hồ sơ một cửa — {counter}</source>
        <translation>One-stop counter check-in — {counter}</translation>
    </message>
    <message>
        <source>Bộ phận Một cửa · {counter}</source>
        <translation>One-Stop-Shop · {counter}</translation>
    </message>
    <message>
        <source>Quản trị (F12)</source>
        <translation>Administration (F12)</translation>
    </message>
    <message>
        <source>Đã tạo khoá dữ liệu mới</source>
        <translation>A new data key was made</translation>
    </message>
    <message>
        <source>Khoá dữ liệu của kiosk vừa được tạo tại:
{path}

Hãy sao lưu tệp này ngay (ví dụ vào USB cất giữ an toàn). Không có khoá này, không thể đọc được cơ sở dữ liệu.</source>
        <translation>The kiosk&apos;s data key was just made at:
{path}

Back this file up now (for example on a USB stick kept locked away). Without this key, the database cannot be read.</translation>
    </message>
    <message>
        <source>Đã hiểu</source>
        <translation>Understood</translation>
    </message>
    <message>
        <source>Đã xoá {n} hồ sơ quá thời hạn lưu.</source>
        <translation>Records past the retention period deleted: {n}.</translation>
    </message>
    <message>
        <source>Đồng bộ: tỉnh giữ lại {held} lệnh xoá (quá giới hạn mỗi giờ), sẽ gửi lại</source>
        <translation>Sync: the province held back {held} deletions (over the hourly limit); they will be sent again</translation>
    </message>
    <message>
        <source>Đồng bộ: nhận {pulled}, gửi {pushed}</source>
        <translation>Sync: received {pulled}, sent {pushed}</translation>
    </message>
    <message>
        <source>Đồng bộ: tỉnh đã thu hồi quyền của quầy này; báo quản trị viên</source>
        <translation>Sync: the province revoked this counter&apos;s access; tell the administrator</translation>
    </message>
    <message>
        <source>Đồng bộ: chưa kết nối được, sẽ thử lại</source>
        <translation>Sync: registry not reachable, will retry</translation>
    </message>
    <message>
        <source>Không mở được kiosk</source>
        <translation>The kiosk cannot start</translation>
    </message>
    <message>
        <source>Đăng ký công dân</source>
        <translation>Citizen enrolled</translation>
    </message>
    <message>
        <source>Thêm ảnh khuôn mặt</source>
        <translation>Face photos added</translation>
    </message>
    <message>
        <source>Ghi nhận lượt đến</source>
        <translation>Visit recorded</translation>
    </message>
    <message>
        <source>Xác nhận bằng bàn phím</source>
        <translation>Keypad confirmation</translation>
    </message>
    <message>
        <source>Đọc thẻ CCCD</source>
        <translation>CCCD card read</translation>
    </message>
    <message>
        <source>Xoá hồ sơ</source>
        <translation>Record purged</translation>
    </message>
    <message>
        <source>Đăng nhập quản trị</source>
        <translation>Administrator login</translation>
    </message>
    <message>
        <source>Đăng nhập quản trị thất bại</source>
        <translation>Failed administrator login</translation>
    </message>
    <message>
        <source>Đặt mã PIN</source>
        <translation>PIN set</translation>
    </message>
    <message>
        <source>Đặt lại mã PIN bằng khoá dữ liệu</source>
        <translation>PIN reset with the data key</translation>
    </message>
    <message>
        <source>Tìm công dân</source>
        <translation>Citizen search</translation>
    </message>
    <message>
        <source>Xem hồ sơ</source>
        <translation>Record viewed</translation>
    </message>
    <message>
        <source>Xem phiếu đồng ý</source>
        <translation>Consent receipt viewed</translation>
    </message>
    <message>
        <source>Xuất danh sách</source>
        <translation>List exported</translation>
    </message>
    <message>
        <source>Xem trước hồ sơ quá hạn</source>
        <translation>Retention preview</translation>
    </message>
    <message>
        <source>Kiểm tra nhật ký</source>
        <translation>Log verified</translation>
    </message>
    <message>
        <source>Đổi cài đặt</source>
        <translation>Settings changed</translation>
    </message>
    <message>
        <source>Đổi khoá dữ liệu</source>
        <translation>Data key rotated</translation>
    </message>
    <message>
        <source>Đồng bộ với tỉnh</source>
        <translation>Province sync</translation>
    </message>
    <message>
        <source>Bổ sung mẫu khuôn mặt cho bộ nhận dạng mới</source>
        <translation>Templates added for the new engine</translation>
    </message>
    <message>
        <source>Thêm mẫu khuôn mặt từ lượt đến</source>
        <translation>Face sample learnt from a visit</translation>
    </message>
    <message>
        <source>Tạo mã truy cập API</source>
        <translation>API token made</translation>
    </message>
    <message>
        <source>Quầy bắt đầu dùng đầu đọc chip CCCD (từ nay bắt buộc đọc chip khi đăng ký)</source>
        <translation>The counter started using a CCCD chip reader (from now on enrolment reads the chip)</translation>
    </message>
    <message>
        <source>Phần mềm một cửa đọc hồ sơ (API)</source>
        <translation>Record read by the one-stop-shop software (API)</translation>
    </message>
    <message>
        <source>đã có hồ sơ</source>
        <translation>enrolled</translation>
    </message>
    <message>
        <source>khớp</source>
        <translation>fitted</translation>
    </message>
    <message>
        <source>số người so</source>
        <translation>candidates</translation>
    </message>
    <message>
        <source>cách</source>
        <translation>method</translation>
    </message>
    <message>
        <source>khoảng cách</source>
        <translation>distance</translation>
    </message>
    <message>
        <source>số ảnh</source>
        <translation>photos</translation>
    </message>
    <message>
        <source>phiên bản đồng ý</source>
        <translation>consent version</translation>
    </message>
    <message>
        <source>lý do</source>
        <translation>reason</translation>
    </message>
    <message>
        <source>ảnh khuôn mặt</source>
        <translation>face photos</translation>
    </message>
    <message>
        <source>lần đồng ý</source>
        <translation>consents</translation>
    </message>
    <message>
        <source>hồ sơ</source>
        <translation>records</translation>
    </message>
    <message>
        <source>mẫu khuôn mặt đã được thay</source>
        <translation>face samples replaced</translation>
    </message>
    <message>
        <source>số mẫu cũ được thay</source>
        <translation>older samples replaced</translation>
    </message>
    <message>
        <source>độ dài từ khoá</source>
        <translation>query length</translation>
    </message>
    <message>
        <source>kết quả</source>
        <translation>results</translation>
    </message>
    <message>
        <source>nội dung</source>
        <translation>what</translation>
    </message>
    <message>
        <source>số dòng</source>
        <translation>rows</translation>
    </message>
    <message>
        <source>tệp</source>
        <translation>file</translation>
    </message>
    <message>
        <source>số hồ sơ</source>
        <translation>records</translation>
    </message>
    <message>
        <source>nguyên vẹn</source>
        <translation>intact</translation>
    </message>
    <message>
        <source>số mục</source>
        <translation>entries</translation>
    </message>
    <message>
        <source>đã nhận</source>
        <translation>pulled</translation>
    </message>
    <message>
        <source>đã gửi</source>
        <translation>pushed</translation>
    </message>
    <message>
        <source>đã xoá tại đây</source>
        <translation>purged here</translation>
    </message>
    <message>
        <source>bị từ chối</source>
        <translation>rejected</translation>
    </message>
    <message>
        <source>chuỗi bị đặt lại</source>
        <translation>chain reset</translation>
    </message>
    <message>
        <source>bộ nhận dạng</source>
        <translation>engine</translation>
    </message>
    <message>
        <source>nơi gọi</source>
        <translation>caller</translation>
    </message>
    <message>
        <source>theo yêu cầu</source>
        <translation>on request</translation>
    </message>
    <message>
        <source>rút lại đồng ý</source>
        <translation>consent withdrawn</translation>
    </message>
    <message>
        <source>quá thời hạn lưu</source>
        <translation>past the retention period</translation>
    </message>
    <message>
        <source>xem trước khi xoá</source>
        <translation>before a purge</translation>
    </message>
    <message>
        <source>có</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>không</source>
        <translation>no</translation>
    </message>
    <message>
        <source>sai mã PIN</source>
        <translation>wrong PIN</translation>
    </message>
    <message>
        <source>bị tạm khoá</source>
        <translation>locked out</translation>
    </message>
    <message>
        <source>xoá tại quầy khác</source>
        <translation>purged at another counter</translation>
    </message>
    <message>
        <source>Rất hài lòng</source>
        <translation>Very satisfied</translation>
    </message>
    <message>
        <source>Hài lòng</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <source>Chưa hài lòng</source>
        <translation>Not yet satisfied</translation>
    </message>
    <message>
        <source>Không hài lòng</source>
        <translation>Unsatisfied</translation>
    </message>
    <message>
        <source>Ông/Bà có hài lòng với việc giải quyết thủ tục hôm nay không?</source>
        <translation>Are you satisfied with how your request was handled today?</translation>
    </message>
    <message>
        <source>Cảm ơn Ông/Bà đã đánh giá!</source>
        <translation>Thank you for your answer!</translation>
    </message>
    <message>
        <source>Đánh giá mức độ hài lòng</source>
        <translation>How satisfied are you?</translation>
    </message>
</context>
</TS>
